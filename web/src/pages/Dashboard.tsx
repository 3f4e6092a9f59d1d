import { Alert, Anchor, Card, Group, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { api, type Schemas, unwrap } from "../api/client";
import { ProblemAlert } from "../components/ProblemAlert";
import { AccountStateBanner } from "../features/account-state/AccountStateBanner";
import { useLowBalance } from "../features/billing/lowBalance";
import { money } from "../features/billing/range";
import { MessageStats } from "../features/message-stats/MessageStats";
import { MessageTable } from "./Messages";

const BALANCE_POLL_MS = 3000;

/** The balance under the account's low-balance threshold, with the way to top up. Uses the
 * API's own `below`: billing keeps it on every charge, credit and threshold change, and it is
 * the flag behind the `billing.balance_low` event, so the warning and the e-mail agree. A
 * threshold that fails to load shows nothing: the balance above says what matters. */
function LowBalanceWarning({ balance }: { balance: Schemas["BalanceResponse"] | undefined }) {
  const { t, i18n } = useTranslation();
  const low = useLowBalance(BALANCE_POLL_MS);
  if (!low.data?.below || !balance) return null;
  return (
    <Alert
      color="yellow"
      role="alert"
      title={t("dashboard.lowBalance.title")}
      data-testid="low-balance"
    >
      <Text>
        {t("dashboard.lowBalance.text", {
          balance: money(balance.balance, balance.currency, i18n.language),
          threshold: money(low.data.threshold, low.data.currency, i18n.language),
        })}
      </Text>
      <Anchor component={Link} to="/billing?tab=overview">
        {t("dashboard.lowBalance.topUp")}
      </Anchor>
    </Alert>
  );
}

export function Dashboard() {
  const { t } = useTranslation();
  const balance = useQuery({
    queryKey: ["balance"],
    queryFn: () => unwrap(api.GET("/v1/billing/balance")),
    refetchInterval: BALANCE_POLL_MS,
  });
  return (
    <Stack>
      <Title order={1} size="h2">
        {t("dashboard.title")}
      </Title>
      <AccountStateBanner />
      <ProblemAlert error={balance.error} />
      <LowBalanceWarning balance={balance.data} />
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
