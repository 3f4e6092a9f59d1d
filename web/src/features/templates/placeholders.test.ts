import { describe, expect, it } from "vitest";
import { fillTemplate, placeholdersOf } from "./placeholders";

describe("placeholdersOf", () => {
  it("lists each name once, in order of first use", () => {
    expect(placeholdersOf("Hi {{name}}, order {{order}} for {{name}}").names).toEqual([
      "name",
      "order",
    ]);
  });

  it("separates what the server would refuse", () => {
    const found = placeholdersOf("Hi {{ First }} and {{2x}} and {{ok_1}}");
    expect(found.names).toEqual(["ok_1"]);
    expect(found.invalid).toEqual([" First ", "2x"]);
  });

  it("finds nothing in plain text", () => {
    expect(placeholdersOf("No braces { here }")).toEqual({ names: [], invalid: [] });
  });
});

describe("fillTemplate", () => {
  it("replaces names that have a sample and keeps the rest visible", () => {
    expect(fillTemplate("Hi {{name}}, order {{order}}", { name: "Ann", order: "" })).toBe(
      "Hi Ann, order {{order}}",
    );
  });

  it("inserts values literally, once", () => {
    expect(fillTemplate("{{a}}", { a: "{{b}}", b: "x" })).toBe("{{b}}");
  });
});
