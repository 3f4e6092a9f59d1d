import { beforeEach, describe, expect, it } from "vitest";
import { rememberedIds } from "./remembered";

describe("rememberedIds", () => {
  beforeEach(() => localStorage.clear());

  it("keeps each account's requests apart, newest first, without repeats", () => {
    const mine = rememberedIds("exports", "a");
    mine.add("1");
    mine.add("2");
    mine.add("1");
    expect(mine.read()).toEqual(["1", "2"]);
    expect(rememberedIds("exports", "b").read()).toEqual([]);
    expect(rememberedIds("erasures", "a").read()).toEqual([]);
  });

  it("forgets one on request and survives a damaged entry", () => {
    const mine = rememberedIds("erasures", "a");
    mine.add("1");
    mine.add("2");
    mine.remove("2");
    expect(mine.read()).toEqual(["1"]);
    localStorage.setItem("smsgw.privacy.erasures.a", "{not json");
    expect(mine.read()).toEqual([]);
  });

  it("keeps at most twenty", () => {
    const mine = rememberedIds("exports", "a");
    for (let i = 0; i < 25; i++) mine.add(String(i));
    expect(mine.read()).toHaveLength(20);
    expect(mine.read()[0]).toBe("24");
  });
});
