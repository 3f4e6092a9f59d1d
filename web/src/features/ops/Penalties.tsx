import { Alert, Button, Group, Stack, Text, Textarea, TextInput, Title } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import { fieldError, ProblemAlert } from "../../components/ProblemAlert";
import { NS } from "./i18n";

/** A penalty for a violation case: taken from the account's balance once per case id (a second
 * post of the same case is refused, so a double click charges once), never below zero, and
 * written to the account's audit log with the reason. */
export function OpsPenalties() {
  const { t } = useTranslation(NS);
  // Opened from an account's row (Accounts): that account, filled in.
  const [params] = useSearchParams();
  const [account, setAccount] = useState(params.get("account") ?? "");
  const [amount, setAmount] = useState("");
  const [caseId, setCaseId] = useState("");
  const [reason, setReason] = useState("");
  const post = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/v1/ops/penalties", {
          body: {
            account_id: account.trim(),
            amount: amount.trim(),
            case_id: caseId.trim(),
            reason,
          },
        }),
      ),
  });
  return (
    <Stack maw={640}>
      <Title order={1} size="h2">
        {t("penalties.title")}
      </Title>
      <Text size="sm" c="dimmed">
        {t("penalties.intro")}
      </Text>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          post.mutate();
        }}
      >
        <Stack>
          <ProblemAlert error={post.error} />
          <TextInput
            label={t("penalties.account")}
            value={account}
            onChange={(event) => setAccount(event.currentTarget.value)}
            error={fieldError(post.error, "account_id")}
            required
          />
          <Group grow align="flex-start">
            <TextInput
              label={t("penalties.amount")}
              value={amount}
              onChange={(event) => setAmount(event.currentTarget.value)}
              error={fieldError(post.error, "amount")}
              inputMode="decimal"
              required
            />
            <TextInput
              label={t("penalties.case")}
              description={t("penalties.caseHint")}
              value={caseId}
              onChange={(event) => setCaseId(event.currentTarget.value)}
              error={fieldError(post.error, "case_id")}
              required
            />
          </Group>
          <Textarea
            label={t("reason")}
            description={t("penalties.reasonHint")}
            value={reason}
            onChange={(event) => setReason(event.currentTarget.value)}
            error={fieldError(post.error, "reason")}
            autosize
            minRows={2}
            required
          />
          <Group>
            <Button type="submit" color="red" loading={post.isPending}>
              {t("penalties.post")}
            </Button>
          </Group>
          {post.data && (
            <Alert color="green" data-testid="ops-penalty-result">
              {t("penalties.done", {
                amount: `${post.data.amount} ${post.data.currency}`,
                balance: `${post.data.balance} ${post.data.currency}`,
              })}
            </Alert>
          )}
        </Stack>
      </form>
    </Stack>
  );
}
