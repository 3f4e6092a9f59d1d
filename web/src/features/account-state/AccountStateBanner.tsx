import { Alert, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../../api/client";
import { NS } from "./i18n";

/** An operator's block or suspension, and the reason they gave, where the customer looks
 * first. Reading the account stays allowed in every state, so this always loads. */
export function AccountStateBanner() {
  const { t } = useTranslation(NS);
  const profile = useQuery({
    queryKey: ["account-profile"],
    queryFn: () => unwrap(api.GET("/v1/account")),
    refetchInterval: 30_000,
  });
  const state = profile.data?.state;
  if (!state || state === "active") return null;
  return (
    <Alert color="red" role="alert" data-testid="account-state" data-state={state}>
      <Text fw={600}>{t(state)}</Text>
      {profile.data?.state_reason && (
        <Text>{t("reason", { reason: profile.data.state_reason })}</Text>
      )}
    </Alert>
  );
}
