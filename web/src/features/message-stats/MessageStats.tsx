import { Card, SimpleGrid, Stack, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
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
import { api, unwrap } from "../../api/client";
import { ProblemAlert } from "../../components/ProblemAlert";
import { NS } from "./i18n";
import { chartRows, summary } from "./stats";

function Figure({
  label,
  value,
  hint,
  testId,
}: {
  label: string;
  value: string;
  hint?: string;
  testId: string;
}) {
  return (
    <Card withBorder>
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Text size="xl" fw={700} data-testid={testId}>
        {value}
      </Text>
      {hint && (
        <Text size="xs" c="dimmed">
          {hint}
        </Text>
      )}
    </Card>
  );
}

/** The dashboard's message figures: today, the last 30 days, the delivery rate, and a chart
 * of each day's messages by status (the API's default range: the last 30 UTC days). */
export function MessageStats() {
  const { t, i18n } = useTranslation(NS);
  const stats = useQuery({
    queryKey: ["message-stats"],
    queryFn: () =>
      unwrap(api.GET("/v1/messages/stats", { params: { query: { group_by: "day" } } })),
    refetchInterval: 10_000,
  });
  if (stats.error) return <ProblemAlert error={stats.error} />;
  if (!stats.data) return null;
  const days = stats.data.items;
  const figures = summary(days);
  const rows = chartRows(days);
  const number = new Intl.NumberFormat(i18n.language);
  const percent = new Intl.NumberFormat(i18n.language, {
    style: "percent",
    maximumFractionDigits: 1,
  });
  return (
    <Stack>
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        <Figure label={t("today")} value={number.format(figures.today)} testId="messages-today" />
        <Figure
          label={t("last30")}
          value={number.format(figures.total)}
          testId="messages-30-days"
        />
        <Figure
          label={t("rate")}
          value={figures.deliveryRate === null ? t("noRate") : percent.format(figures.deliveryRate)}
          hint={t("rateHint")}
          testId="delivery-rate"
        />
      </SimpleGrid>
      {figures.total === 0 ? (
        <Text c="dimmed">{t("empty")}</Text>
      ) : (
        <figure style={{ margin: 0 }} data-testid="message-stats-chart">
          <figcaption>
            <Text size="sm" c="dimmed">
              {t("chart")}
            </Text>
          </figcaption>
          <ResponsiveContainer width="100%" height={240}>
            <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
              <CartesianGrid strokeDasharray="3 3" vertical={false} />
              <XAxis dataKey="day" tickFormatter={(day: string) => day.slice(5)} fontSize={12} />
              <YAxis allowDecimals={false} fontSize={12} />
              <Tooltip />
              <Legend />
              <Bar
                dataKey="delivered"
                stackId="status"
                isAnimationActive={false}
                name={t("delivered")}
                fill="#40c057"
              />
              <Bar
                dataKey="onTheWay"
                stackId="status"
                isAnimationActive={false}
                name={t("onTheWay")}
                fill="#228be6"
              />
              <Bar
                dataKey="failed"
                stackId="status"
                isAnimationActive={false}
                name={t("failed")}
                fill="#fa5252"
              />
            </BarChart>
          </ResponsiveContainer>
        </figure>
      )}
    </Stack>
  );
}
