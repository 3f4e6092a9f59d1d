import type { Schemas } from "../../api/client";

type Day = Schemas["DayCounts"];
// dispatch's MessageStatus; the schema types the counts by any string.
type Status =
  | "scheduled"
  | "held"
  | "accepted"
  | "queued"
  | "sent"
  | "delivered"
  | "undelivered"
  | "failed"
  | "rejected"
  | "canceled";

// The chart's three bands; "canceled" (scheduled, then taken back) is in no band.
const FAILED: Status[] = ["undelivered", "failed", "rejected"];
const ON_THE_WAY: Status[] = ["scheduled", "held", "accepted", "queued", "sent"];

const sum = (day: Day, statuses: Status[]) =>
  statuses.reduce((total, status) => total + (day.counts[status] ?? 0), 0);

export interface ChartRow {
  day: string;
  delivered: number;
  onTheWay: number;
  failed: number;
}

/** Per day: delivered, still on the way, failed (undelivered, failed, rejected). */
export function chartRows(days: Day[]): ChartRow[] {
  return days.map((day) => ({
    day: day.day,
    delivered: day.counts.delivered ?? 0,
    onTheWay: sum(day, ON_THE_WAY),
    failed: sum(day, FAILED),
  }));
}

export interface Summary {
  today: number;
  total: number;
  /** Delivered of the messages with a final outcome, 0..1; null when none has one yet. */
  deliveryRate: number | null;
}

/** The figures above the chart; the last day of the range is today (UTC). */
export function summary(days: Day[]): Summary {
  const rows = chartRows(days);
  const delivered = rows.reduce((total, row) => total + row.delivered, 0);
  const failed = rows.reduce((total, row) => total + row.failed, 0);
  return {
    today: days.at(-1)?.total ?? 0,
    total: days.reduce((total, day) => total + day.total, 0),
    deliveryRate: delivered + failed > 0 ? delivered / (delivered + failed) : null,
  };
}
