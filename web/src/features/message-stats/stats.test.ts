import { describe, expect, it } from "vitest";
import type { Schemas } from "../../api/client";
import { chartRows, summary } from "./stats";

const day = (date: string, counts: Record<string, number>): Schemas["DayCounts"] => ({
  day: date,
  counts,
  total: Object.values(counts).reduce((a, b) => a + b, 0),
});

describe("message stats", () => {
  const days = [
    day("2026-11-01", { delivered: 8, undelivered: 1, rejected: 1, canceled: 2 }),
    day("2026-11-02", {}),
    day("2026-11-03", { delivered: 1, sent: 3, queued: 1, failed: 1 }),
  ];

  it("folds the statuses into delivered, on the way and failed", () => {
    expect(chartRows(days)).toEqual([
      { day: "2026-11-01", delivered: 8, onTheWay: 0, failed: 2 },
      { day: "2026-11-02", delivered: 0, onTheWay: 0, failed: 0 },
      { day: "2026-11-03", delivered: 1, onTheWay: 4, failed: 1 },
    ]);
  });

  it("rates delivery over final outcomes only, and counts today as the last day", () => {
    expect(summary(days)).toEqual({ today: 6, total: 18, deliveryRate: 9 / 12 });
  });

  it("has no rate before any message has an outcome", () => {
    expect(summary([day("2026-11-03", { sent: 2 })]).deliveryRate).toBeNull();
    expect(summary([])).toEqual({ today: 0, total: 0, deliveryRate: null });
  });
});
