import { Alert, Button, Group, Paper, Stack, Text, TextInput, Title } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import { session } from "../../auth/session";
import { ProblemAlert } from "../../components/ProblemAlert";
import { Erasures } from "./Erasures";
import { Exports } from "./Exports";
import { NS } from "./i18n";

/** Closing is the owner's alone (account:close); others do not see it. */
function CloseAccount() {
  const { t } = useTranslation(NS);
  const navigate = useNavigate();
  const [typed, setTyped] = useState("");
  const close = useMutation({
    mutationFn: () => unwrap(api.POST("/v1/account/close")),
    onSuccess: () => {
      session.end();
      navigate("/login");
    },
  });
  return (
    <Paper withBorder p="md">
      <Stack>
        <Title order={2} size="h3">
          {t("close.title")}
        </Title>
        <Alert color="red">{t("close.warning")}</Alert>
        <ProblemAlert error={close.error} />
        <Group align="flex-end">
          <TextInput
            label={t("close.confirm")}
            value={typed}
            onChange={(event) => setTyped(event.currentTarget.value)}
          />
          <Button
            color="red"
            disabled={typed !== "CLOSE"}
            loading={close.isPending}
            onClick={() => close.mutate()}
          >
            {t("close.button")}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

export function Privacy() {
  const { t } = useTranslation(NS);
  const owner = session.claims().role === "owner";
  return (
    <Stack>
      <Title order={1} size="h2">
        {t("title")}
      </Title>
      <Text size="sm">{t("intro")}</Text>
      <Exports />
      <Erasures />
      {owner && <CloseAccount />}
    </Stack>
  );
}
