import { describe, expect, it } from "vitest";
import { guessMapping, importPercent, mappingToSend, readCsv } from "./importing";

describe("readCsv", () => {
  it("reads the header and counts records, without a BOM or empty lines", () => {
    const shape = readCsv(
      "\uFEFFPhone,Name,Tags\r\n+447700900001,Ann,vip\r\n\r\n+447700900002,Bob,\r\n",
    );
    expect(shape).toEqual({ headers: ["Phone", "Name", "Tags"], rows: 2 });
  });

  it("keeps quoted commas, quotes and line breaks inside one field", () => {
    const shape = readCsv('phone,"Full, name",note\n+1,"A ""B""","two\nlines"\n+2,C,D');
    expect(shape.headers).toEqual(["phone", "Full, name", "note"]);
    expect(shape.rows).toBe(2);
  });

  it("has no header in an empty file", () => {
    expect(readCsv("")).toEqual({ headers: [], rows: 0 });
  });
});

describe("guessMapping", () => {
  it("recognises common headers in English and Russian, and the account's own fields", () => {
    expect(
      guessMapping(["Телефон", "E-mail", "Loyalty Points", "Comment"], ["loyalty_points"]),
    ).toEqual({
      Телефон: "phone",
      "E-mail": "email",
      "Loyalty Points": "custom.loyalty_points",
      Comment: "",
    });
  });

  it("maps a field once, from its first column", () => {
    expect(guessMapping(["mobile", "phone"], [])).toEqual({ mobile: "phone", phone: "" });
  });
});

describe("mappingToSend", () => {
  it("drops the columns that are not imported", () => {
    expect(mappingToSend({ Phone: "phone", Comment: "" })).toEqual({ Phone: "phone" });
  });
});

describe("importPercent", () => {
  it("follows rows read against the rows counted in the file", () => {
    expect(importPercent({ state: "running", rows_read: 50 }, 200)).toBe(25);
  });

  it("is complete when done and unknown without a count", () => {
    expect(importPercent({ state: "done", rows_read: 3 }, null)).toBe(100);
    expect(importPercent({ state: "running", rows_read: 3 }, null)).toBeNull();
  });
});
