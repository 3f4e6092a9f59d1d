import { Badge } from "@mantine/core";
import { useTranslation } from "react-i18next";

const COLORS: Record<string, string> = {
  delivered: "green",
  sent: "blue",
  queued: "gray",
  accepted: "gray",
  scheduled: "violet",
  undelivered: "red",
  failed: "red",
  rejected: "red",
  expired: "orange",
};

export function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return (
    <Badge color={COLORS[status] ?? "gray"} variant="light" data-status={status}>
      {t(`status.${status}`, { defaultValue: status })}
    </Badge>
  );
}
