import { describe, expect, it } from "vitest";
import { countryCodes } from "./Destinations";
import { versionStates } from "./Tariffs";

const version = (id: string, effective_from: string) => ({
  id,
  effective_from,
  created_at: "2026-11-01T00:00:00Z",
  created_by: "ops",
  prices: 1,
});

describe("a tariff's versions", () => {
  it("price with the latest started one; later ones are scheduled, earlier ones past", () => {
    const now = Date.parse("2026-12-02T12:00:00Z");
    const states = versionStates(
      [
        version("old", "2026-11-01T00:00:00Z"),
        version("now", "2026-12-01T00:00:00+03:00"),
        version("next", "2026-12-03T00:00:00Z"),
      ],
      now,
    );
    expect(states).toEqual({ old: "past", now: "current", next: "scheduled" });
  });

  it("compare instants, not the text of times with different offsets", () => {
    const now = Date.parse("2026-12-02T12:00:00Z");
    const states = versionStates(
      [version("a", "2026-12-01T10:00:00+05:00"), version("b", "2026-12-01T06:00:00Z")],
      now,
    );
    expect(states).toEqual({ a: "past", b: "current" });
  });

  it("have none current before the first starts", () => {
    const now = Date.parse("2026-12-02T12:00:00Z");
    expect(versionStates([version("next", "2026-12-03T00:00:00Z")], now)).toEqual({
      next: "scheduled",
    });
  });
});

describe("destination countries", () => {
  it("are sent as upper-case ISO codes, a pasted list split, each once", () => {
    expect(countryCodes(["fr", "DE, it", "Fr"])).toEqual(["FR", "DE", "IT"]);
  });
});
