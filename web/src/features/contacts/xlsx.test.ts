import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { readXlsx } from "./xlsx";

// Written by openpyxl, as a customer's spreadsheet program would: a Russian header, spaces
// around one, a numeric header, an empty column, a date; a blank row; a second sheet.
// (vitest runs from web/; jsdom's import.meta.url is no file: URL)
const fixture = () => {
  const bytes = readFileSync(resolve("src/features/contacts/fixtures/contacts.xlsx"));
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
};

describe("readXlsx", () => {
  it("reads the first sheet's header row as the service will name its columns", async () => {
    const shape = await readXlsx(fixture());
    expect(shape.headers).toEqual(["Телефон", "Full name", "Tags", "2024", "", "Birthday"]);
  });

  it("counts the data rows, blank ones not", async () => {
    expect((await readXlsx(fixture())).rows).toBe(2);
  });

  it("refuses what is not a spreadsheet", async () => {
    await expect(readXlsx(new TextEncoder().encode("Phone\n+1").buffer)).rejects.toThrow();
  });
});
