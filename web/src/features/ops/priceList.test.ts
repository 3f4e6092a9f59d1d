import { describe, expect, it } from "vitest";
import { readCsv, toCsv, withHeader } from "./priceList";

describe("price lists", () => {
  it("writes the form's rows as the API's CSV, leaving blank rows out", () => {
    const csv = toCsv([
      { prefix: "44", price_per_part: "0.0450" },
      { prefix: " ", price_per_part: "" },
      { prefix: "7916 ", price_per_part: " 0.031" },
    ]);
    expect(csv).toBe("prefix,price_per_part\n44,0.0450\n7916,0.031");
  });

  it("reads a file's rows with or without the header", () => {
    expect(readCsv("prefix,price_per_part\r\n44,0.05\n\n49;0.06\n")).toEqual([
      { prefix: "44", price_per_part: "0.05" },
      { prefix: "49", price_per_part: "0.06" },
    ]);
    expect(readCsv("44,0.05")).toEqual([{ prefix: "44", price_per_part: "0.05" }]);
  });

  it("adds the header a file lacks, and only then", () => {
    expect(withHeader("44,0.05")).toBe("prefix,price_per_part\n44,0.05");
    expect(withHeader("prefix,price_per_part\n44,0.05")).toBe("prefix,price_per_part\n44,0.05");
  });
});
