import { describe, expect, it } from "vitest";
import { toInputs, toValues } from "./custom";

const at = "2026-12-01T00:00:00Z";
const fields = [
  { key: "points", type: "number" as const, created_at: at },
  { key: "since", type: "date" as const, created_at: at },
  { key: "vip", type: "boolean" as const, created_at: at },
  { key: "note", type: "text" as const, created_at: at },
];

describe("custom field values", () => {
  it("become inputs: numbers as text, missing ones empty, booleans as checks", () => {
    expect(toInputs(fields, { points: 12, vip: true })).toEqual({
      points: "12",
      since: "",
      vip: true,
      note: "",
    });
  });

  it("go back typed, an emptied one removed on an edit", () => {
    const inputs = { points: "12.5", since: "2026-01-31", vip: false, note: "" };
    expect(toValues(fields, inputs, true)).toEqual({
      points: 12.5,
      since: "2026-01-31",
      vip: false,
      note: null,
    });
  });

  it("leave empty ones out on creation and pass an unparsable number for the API to refuse", () => {
    expect(toValues(fields, { points: "lots", since: "", vip: true, note: "" }, false)).toEqual({
      points: "lots",
      vip: true,
    });
  });
});
