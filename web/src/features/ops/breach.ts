import type { Schemas } from "../../api/client";

type Notice = Schemas["BreachNoticeOut"];
export type DeadlineState = "overdue" | "done" | "open";

/** Where a notice stands against its 72-hour deadline: every mail sent (`done`), still sending
 * within it (`open`), or `overdue`: past it with mails pending, as the API flags it. */
export function deadlineState(notice: Notice): DeadlineState {
  if (notice.overdue) return "overdue";
  return notice.pending > 0 ? "open" : "done";
}

/** Hours until the deadline (negative once past), rounded down. */
export function hoursLeft(notice: Notice, now = Date.now()): number {
  return Math.floor((Date.parse(notice.deadline) - now) / 3_600_000);
}

/** Account ids typed one per line, or separated by commas or spaces. */
export function accountIds(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).filter(Boolean))];
}
