import { Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import type { Schemas } from "../../api/client";
import { NS } from "./i18n";

type Row = Schemas["UsageRow"];

/** Per day: messages charged, and parts refunded (those that failed to deliver). The rows
 * come from the usage report grouped by day, so they equal the statement. */
export function chartRows(rows: Row[]): { day: string; messages: number; refunded: number }[] {
  return [...rows]
    .sort((a, b) => a.key.localeCompare(b.key))
    .map((row) => ({ day: row.key, messages: row.messages, refunded: row.refunded_parts }));
}

export function UsageChart({ rows, height = 240 }: { rows: Row[]; height?: number }) {
  const { t } = useTranslation(NS);
  const data = chartRows(rows);
  if (data.length === 0) return <Text c="dimmed">{t("usage.empty")}</Text>;
  return (
    <figure style={{ margin: 0 }} data-testid="usage-chart">
      <figcaption>
        <Text size="sm" c="dimmed">
          {t("usage.chart")}
        </Text>
      </figcaption>
      <ResponsiveContainer width="100%" height={height}>
        <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="day" tickFormatter={(day: string) => day.slice(5)} fontSize={12} />
          <YAxis allowDecimals={false} fontSize={12} />
          <Tooltip />
          <Legend />
          <Bar dataKey="messages" name={t("usage.messages")} fill="#228be6" />
          <Bar dataKey="refunded" name={t("usage.refunded")} fill="#fa5252" />
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}
