import { describe, expect, it } from "vitest";
import { toOffsetTime } from "./time";

describe("toOffsetTime", () => {
  it("adds the offset east of UTC", () => {
    expect(toOffsetTime("2026-12-02T10:30", 180)).toBe("2026-12-02T10:30:00+03:00");
  });

  it("adds the offset west of UTC, with its minutes", () => {
    expect(toOffsetTime("2026-01-05T07:05", -210)).toBe("2026-01-05T07:05:00-03:30");
  });

  it("leaves an empty input as no time", () => {
    expect(toOffsetTime("")).toBeNull();
  });

  it("uses the browser's own offset when none is given", () => {
    const value = toOffsetTime("2026-06-01T12:00");
    expect(value).toMatch(/^2026-06-01T12:00:00[+-]\d\d:\d\d$/);
    expect(new Date(value ?? "").getTime()).toBe(new Date(2026, 5, 1, 12, 0).getTime());
  });
});
