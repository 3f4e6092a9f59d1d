import { Card, Group, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import { ProblemAlert } from "../components/ProblemAlert";
import { AccountStateBanner } from "../features/account-state/AccountStateBanner";
import { MessageStats } from "../features/message-stats/MessageStats";
import { MessageTable } from "./Messages";

export function Dashboard() {
  const { t } = useTranslation();
  const balance = useQuery({
    queryKey: ["balance"],
    queryFn: () => unwrap(api.GET("/v1/billing/balance")),
    refetchInterval: 3000,
  });
  return (
    <Stack>
      <Title order={1} size="h2">
        {t("dashboard.title")}
      </Title>
      <AccountStateBanner />
      <ProblemAlert error={balance.error} />
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        <Card withBorder>
          <Text size="sm" c="dimmed">
            {t("dashboard.balance")}
          </Text>
          <Group gap={4}>
            <Text size="xl" fw={700} data-testid="balance">
              {balance.data?.balance ?? "…"}
            </Text>
            <Text size="xl">{balance.data?.currency}</Text>
          </Group>
        </Card>
      </SimpleGrid>
      {/* Messages per day and status (dispatch); money per day is on the billing screen. */}
      <MessageStats />
      <Title order={2} size="h3">
        {t("dashboard.recent")}
      </Title>
      <MessageTable limit={10} paginate={false} />
    </Stack>
  );
}
