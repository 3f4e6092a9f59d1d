import type { Schemas } from "../../api/client";

export type Campaign = Schemas["CampaignResponse"];
export type Action = "start" | "pause" | "resume" | "cancel";

/** What the API lets a campaign in `state` do next (dispatch's campaign state machine). */
export function actionsFor(state: Campaign["state"]): Action[] {
  switch (state) {
    case "draft":
      return ["start", "cancel"];
    case "scheduled":
    case "sending":
      return ["pause", "cancel"];
    case "paused":
      return ["resume", "cancel"];
    default:
      return [];
  }
}

export const isLive = (state: Campaign["state"]) =>
  state !== "completed" && state !== "cancelled" && state !== "failed";

/** Share of the recipients handed to sending so far, 0-100. */
export function releasedPercent(campaign: Pick<Campaign, "recipients" | "released">): number {
  if (campaign.recipients === 0) return 0;
  return Math.min(100, Math.round((campaign.released / campaign.recipients) * 100));
}

/** The message counts in a stable order: the usual life of a message first, then the rest. */
export function orderedCounts(messages: Record<string, number>): [string, number][] {
  const order = [
    "accepted",
    "scheduled",
    "sent",
    "delivered",
    "undelivered",
    "failed",
    "expired",
    "rejected",
  ];
  return Object.entries(messages).sort(([a], [b]) => {
    const ia = order.indexOf(a) === -1 ? order.length : order.indexOf(a);
    const ib = order.indexOf(b) === -1 ? order.length : order.indexOf(b);
    return ia - ib || a.localeCompare(b);
  });
}
