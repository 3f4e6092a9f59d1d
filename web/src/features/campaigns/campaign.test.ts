import { describe, expect, it } from "vitest";
import { actionsFor, orderedCounts, releasedPercent } from "./campaign";

describe("actionsFor", () => {
  it("offers start to a draft, pause to a running one, resume to a paused one", () => {
    expect(actionsFor("draft")).toEqual(["start", "cancel"]);
    expect(actionsFor("sending")).toEqual(["pause", "cancel"]);
    expect(actionsFor("scheduled")).toEqual(["pause", "cancel"]);
    expect(actionsFor("paused")).toEqual(["resume", "cancel"]);
  });

  it("offers nothing once it has ended", () => {
    expect(actionsFor("completed")).toEqual([]);
    expect(actionsFor("cancelled")).toEqual([]);
    expect(actionsFor("failed")).toEqual([]);
  });
});

describe("releasedPercent", () => {
  it("is the share of recipients released", () => {
    expect(releasedPercent({ recipients: 3, released: 1 })).toBe(33);
    expect(releasedPercent({ recipients: 0, released: 0 })).toBe(0);
  });
});

describe("orderedCounts", () => {
  it("puts the usual statuses first and unknown ones last", () => {
    expect(orderedCounts({ zeta: 1, delivered: 5, accepted: 2 })).toEqual([
      ["accepted", 2],
      ["delivered", 5],
      ["zeta", 1],
    ]);
  });
});
