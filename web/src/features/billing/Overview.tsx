import {
  Alert,
  Anchor,
  Button,
  Card,
  Group,
  Paper,
  Stack,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../../api/client";
import { fieldError, ProblemAlert } from "../../components/ProblemAlert";
import { NS } from "./i18n";
import { LowBalanceThreshold } from "./LowBalanceThreshold";
import { money } from "./range";

export function useBalance() {
  return useQuery({
    queryKey: ["balance"],
    queryFn: () => unwrap(api.GET("/v1/billing/balance")),
    refetchInterval: 5000,
  });
}

function TopUpStatus({ paymentId }: { paymentId: string }) {
  const { t } = useTranslation(NS);
  const queryClient = useQueryClient();
  // Polled until the provider's webhook has settled it; then the balance is fresh too.
  const payment = useQuery({
    queryKey: ["top-up", paymentId],
    queryFn: async () => {
      const answer = await unwrap(
        api.GET("/v1/billing/top-ups/{payment_id}", {
          params: { path: { payment_id: paymentId } },
        }),
      );
      if (answer.status !== "pending")
        await queryClient.invalidateQueries({ queryKey: ["balance"] });
      return answer;
    },
    refetchInterval: (query) => (query.state.data?.status === "pending" ? 2000 : false),
  });
  if (payment.error) return <ProblemAlert error={payment.error} />;
  if (!payment.data) return null;
  const { status, total, currency, vat } = payment.data;
  return (
    <Alert
      role="status"
      color={status === "succeeded" ? "green" : status === "failed" ? "red" : "blue"}
      data-testid="top-up-status"
      data-status={status}
    >
      {t("topUp.status", { status: t(`topUp.statuses.${status}`), total, currency, vat })}
    </Alert>
  );
}

function TopUp() {
  const { t } = useTranslation(NS);
  const [amount, setAmount] = useState("");
  const start = useMutation({
    mutationFn: () => unwrap(api.POST("/v1/billing/top-ups", { body: { amount } })),
  });
  return (
    <Paper withBorder p="md">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          start.mutate();
        }}
      >
        <Stack>
          <Title order={2} size="h4">
            {t("topUp.title")}
          </Title>
          <ProblemAlert error={start.error} />
          <Group align="flex-end">
            <TextInput
              label={t("topUp.amount")}
              value={amount}
              onChange={(event) => setAmount(event.currentTarget.value)}
              error={fieldError(start.error, "amount")}
              inputMode="decimal"
              required
            />
            <Button type="submit" loading={start.isPending}>
              {t("topUp.start")}
            </Button>
          </Group>
          {start.data?.checkout_url && (
            <Anchor href={start.data.checkout_url} target="_blank" rel="noopener">
              {t("topUp.pay")}
            </Anchor>
          )}
          {start.data && <TopUpStatus paymentId={start.data.id} />}
        </Stack>
      </form>
    </Paper>
  );
}

function IssueInvoice() {
  const { t } = useTranslation(NS);
  const queryClient = useQueryClient();
  const [amount, setAmount] = useState("");
  const issue = useMutation({
    mutationFn: () => unwrap(api.POST("/v1/billing/invoices", { body: { amount } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["invoices"] }),
  });
  return (
    <Paper withBorder p="md">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          issue.mutate();
        }}
      >
        <Stack>
          <Title order={2} size="h4">
            {t("invoice.title")}
          </Title>
          <ProblemAlert error={issue.error} />
          <Group align="flex-end">
            <TextInput
              label={t("invoice.amount")}
              value={amount}
              onChange={(event) => setAmount(event.currentTarget.value)}
              error={fieldError(issue.error, "amount")}
              inputMode="decimal"
              required
            />
            <Button type="submit" variant="light" loading={issue.isPending}>
              {t("invoice.issue")}
            </Button>
          </Group>
          {issue.data && (
            <Alert color="green" role="status">
              {t("invoice.issued", { number: issue.data.number })}
            </Alert>
          )}
        </Stack>
      </form>
    </Paper>
  );
}

export function Overview() {
  const { t, i18n } = useTranslation(NS);
  const balance = useBalance();
  return (
    <Stack>
      <ProblemAlert error={balance.error} />
      <Card withBorder maw={320}>
        <Text size="sm" c="dimmed">
          {t("balance")}
        </Text>
        <Text size="xl" fw={700} data-testid="billing-balance">
          {balance.data
            ? money(balance.data.balance, balance.data.currency, i18n.language)
            : t("loading")}
        </Text>
        {balance.data && Number(balance.data.credit_limit) !== 0 && (
          <Text size="sm" data-testid="billing-credit">
            {t("credit", {
              limit: money(balance.data.credit_limit, balance.data.currency, i18n.language),
              available: money(balance.data.available, balance.data.currency, i18n.language),
            })}
          </Text>
        )}
      </Card>
      <TopUp />
      <IssueInvoice />
      <LowBalanceThreshold />
    </Stack>
  );
}
