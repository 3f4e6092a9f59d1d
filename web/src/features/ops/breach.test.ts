import { describe, expect, it } from "vitest";
import { accountIds, deadlineState, hoursLeft } from "./breach";

const NOW = Date.parse("2026-12-02T12:00:00Z");
const notice = (over: Partial<Parameters<typeof deadlineState>[0]> = {}) => ({
  id: "n",
  description: "d",
  detected_at: "2026-12-01T12:00:00Z",
  deadline: "2026-12-04T12:00:00Z",
  created_at: "2026-12-01T13:00:00Z",
  all: false,
  accounts: 2,
  recipients: 2,
  sent: 2,
  pending: 0,
  overdue: false,
  ...over,
});

describe("a breach notice's deadline", () => {
  it("is met once every mail went, open while some are pending, overdue as the API says", () => {
    expect(deadlineState(notice())).toBe("done");
    expect(deadlineState(notice({ sent: 1, pending: 1 }))).toBe("open");
    expect(deadlineState(notice({ sent: 1, pending: 1, overdue: true }))).toBe("overdue");
  });

  it("counts the hours left, negative once past", () => {
    expect(hoursLeft(notice(), NOW)).toBe(48);
    expect(hoursLeft(notice({ deadline: "2026-12-02T10:30:00Z" }), NOW)).toBe(-2);
  });

  it("reads account ids one per line or separated by commas, once each", () => {
    expect(accountIds(" a\nb, c;a \n")).toEqual(["a", "b", "c"]);
  });
});
