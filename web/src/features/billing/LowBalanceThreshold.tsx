import { Alert, Button, Group, Paper, Stack, Text, TextInput, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { TFunction } from "i18next";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type Schemas, unwrap } from "../../api/client";
import { fieldError, ProblemAlert } from "../../components/ProblemAlert";
import { NS } from "./i18n";
import { LOW_BALANCE_KEY, useLowBalance } from "./lowBalance";
import { money } from "./range";

/** What the threshold in force is, in words: the customer's own, the default (10 % of the
 * last top-up) or none at all (0 turns the warning off). */
function current(low: Schemas["LowBalanceResponse"], language: string, t: TFunction): string {
  if (Number(low.threshold) === 0) return t(low.custom ? "lowBalance.off" : "lowBalance.none");
  const threshold = money(low.threshold, low.currency, language);
  return t(low.custom ? "lowBalance.custom" : "lowBalance.default", { threshold });
}

/** The account's low-balance threshold (R5): below it the dashboard warns and a
 * `billing.balance_low` event goes out. Set it, or go back to the default. */
export function LowBalanceThreshold() {
  const { t, i18n } = useTranslation(NS);
  const queryClient = useQueryClient();
  const low = useLowBalance(5000);
  const [amount, setAmount] = useState("");
  const save = useMutation({
    mutationFn: (value: string | null) =>
      unwrap(api.PUT("/v1/billing/low-balance-threshold", { body: { amount: value } })),
    // The answer is the new state, `below` included: the dashboard reads the same entry.
    onSuccess: (answer) => {
      queryClient.setQueryData(LOW_BALANCE_KEY, answer);
      setAmount("");
    },
  });
  const amountError = fieldError(save.error, "amount");
  return (
    <Paper withBorder p="md">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          save.mutate(amount);
        }}
      >
        <Stack>
          <Title order={2} size="h4">
            {t("lowBalance.title")}
          </Title>
          {low.data && (
            <Text data-testid="low-balance-threshold">{current(low.data, i18n.language, t)}</Text>
          )}
          {/* A field's own problem is shown at the field; anything else (a role that may not
              manage billing, a failed request) above the form. */}
          {!amountError && <ProblemAlert error={save.error} />}
          <Group align="flex-end">
            <TextInput
              label={t("lowBalance.amount")}
              description={t("lowBalance.hint")}
              value={amount}
              onChange={(event) => setAmount(event.currentTarget.value)}
              error={amountError}
              inputMode="decimal"
              required
            />
            <Button
              type="submit"
              variant="light"
              loading={save.isPending && save.variables !== null}
            >
              {t("lowBalance.save")}
            </Button>
            {low.data?.custom && (
              <Button
                variant="subtle"
                loading={save.isPending && save.variables === null}
                onClick={() => save.mutate(null)}
              >
                {t("lowBalance.reset")}
              </Button>
            )}
          </Group>
          {save.isSuccess && (
            <Alert color="green" role="status">
              {t("lowBalance.saved")}
            </Alert>
          )}
        </Stack>
      </form>
    </Paper>
  );
}
