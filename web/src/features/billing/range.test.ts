import { describe, expect, it } from "vitest";
import { dayRange, money, rangeFileName } from "./range";

describe("dayRange", () => {
  it("includes the last picked day by ending the window at the next midnight UTC", () => {
    expect(dayRange("2026-02-01", "2026-02-28")).toEqual({
      from: "2026-02-01T00:00:00Z",
      to: "2026-03-01T00:00:00.000Z",
    });
  });

  it("leaves out what was not picked, so the API's defaults apply", () => {
    expect(dayRange("", "")).toEqual({});
    expect(dayRange("", "2026-12-31")).toEqual({ to: "2027-01-01T00:00:00.000Z" });
  });
});

describe("rangeFileName", () => {
  it("names the window, or its open ends", () => {
    expect(rangeFileName("usage-day", "2026-05-01", "", "csv")).toBe(
      "usage-day-2026-05-01-now.csv",
    );
  });
});

describe("money", () => {
  it("formats in the reader's language", () => {
    expect(money("12.5", "EUR", "en")).toBe("€12.50");
  });

  it("keeps the figure when the currency is not one Intl knows", () => {
    expect(money("3.1", "XX1", "en")).toBe("3.1 XX1");
  });
});
