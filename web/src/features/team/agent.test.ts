import { describe, expect, it } from "vitest";
import { describeAgent } from "./agent";

describe("describeAgent", () => {
  it("names the browser and the system of common browsers", () => {
    expect(
      describeAgent(
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
      ),
    ).toBe("Edge · Windows");
    expect(
      describeAgent(
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
      ),
    ).toBe("Safari · iOS");
    expect(
      describeAgent("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"),
    ).toBe("Firefox · Linux");
  });

  it("keeps a script's own name, and is empty without one", () => {
    expect(describeAgent("curl/8.5.0")).toBe("curl");
    expect(describeAgent("crm-sync/2.1")).toBe("crm-sync/2.1");
    expect(describeAgent(null)).toBeNull();
  });
});
