import {
  Anchor,
  Badge,
  Button,
  Code,
  Group,
  Loader,
  Paper,
  Stack,
  Table,
  Text,
  Title,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { api, type Schemas, unwrap } from "../../api/client";
import { noContent } from "../../api/noContent";
import { ProblemAlert } from "../../components/ProblemAlert";
import { NS } from "./i18n";
import { SecretOnce } from "./Secret";
import { WebhookForm } from "./WebhookForm";

type Webhook = Schemas["WebhookResponse"];

function CallbackSecret() {
  const { t } = useTranslation(NS);
  const queryClient = useQueryClient();
  const [shown, setShown] = useState(false);
  const secret = useQuery({
    queryKey: ["webhooks", "callback-secret"],
    queryFn: () => unwrap(api.GET("/v1/webhooks/callback-secret")),
  });
  const rotate = useMutation({
    mutationFn: () => unwrap(api.POST("/v1/webhooks/callback-secret/rotate")),
    onSuccess: (rotated) => {
      queryClient.setQueryData(["webhooks", "callback-secret"], rotated);
      setShown(true);
    },
  });
  return (
    <Paper withBorder p="md">
      <Stack gap="xs">
        <Title order={2} size="h4">
          {t("callback.title")}
        </Title>
        <Text size="sm" c="dimmed">
          {t("callback.intro")}
        </Text>
        <ProblemAlert error={secret.error ?? rotate.error} />
        {rotate.data ? (
          <SecretOnce
            secret={rotate.data.secret}
            oldUntil={rotate.data.previous_secret_expires_at}
          />
        ) : (
          secret.data && (
            <Group gap="xs">
              <Code>{shown ? secret.data.secret : "••••••••••••••••"}</Code>
              <Button size="xs" variant="subtle" onClick={() => setShown(!shown)}>
                {shown ? t("callback.hide") : t("callback.show")}
              </Button>
            </Group>
          )
        )}
        <Group>
          <Button
            size="xs"
            variant="light"
            loading={rotate.isPending}
            onClick={() => {
              if (window.confirm(t("confirmRotate"))) rotate.mutate();
            }}
          >
            {t("rotate")}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

export function WebhooksPage() {
  const { t } = useTranslation(NS);
  const queryClient = useQueryClient();
  const webhooks = useQuery({
    queryKey: ["webhooks", "list"],
    queryFn: () => unwrap(api.GET("/v1/webhooks")),
  });
  // `undefined`: no form; `null`: a new endpoint; else the endpoint being changed.
  const [editing, setEditing] = useState<Webhook | null | undefined>(undefined);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["webhooks"] });
  const remove = useMutation({
    mutationFn: (webhook: Webhook) =>
      noContent(
        api.DELETE("/v1/webhooks/{webhook_id}", { params: { path: { webhook_id: webhook.id } } }),
      ),
    onSuccess: refresh,
  });
  const rotate = useMutation({
    mutationFn: (webhook: Webhook) =>
      unwrap(
        api.POST("/v1/webhooks/{webhook_id}/rotate-secret", {
          params: { path: { webhook_id: webhook.id } },
        }),
      ),
  });
  const items = webhooks.data?.items ?? [];
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">
          {t("title")}
        </Title>
        <Button onClick={() => setEditing(null)}>{t("new")}</Button>
      </Group>
      <Text c="dimmed">{t("intro")}</Text>
      <ProblemAlert error={webhooks.error ?? remove.error ?? rotate.error} />
      {rotate.data && (
        <SecretOnce secret={rotate.data.secret} oldUntil={rotate.data.previous_secret_expires_at} />
      )}
      {webhooks.isPending && <Loader aria-label="loading" />}
      {webhooks.isSuccess && items.length === 0 && <Text>{t("empty")}</Text>}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={600}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("url")}</Table.Th>
                <Table.Th>{t("events")}</Table.Th>
                <Table.Th>{t("enabled")}</Table.Th>
                <Table.Th>{t("actions")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((webhook) => (
                <Table.Tr key={webhook.id} data-testid="webhook-row">
                  <Table.Td style={{ wordBreak: "break-all" }}>
                    <Anchor component={Link} to={`/webhooks/${webhook.id}`}>
                      {webhook.url}
                    </Anchor>
                    {webhook.description && (
                      <Text size="xs" c="dimmed">
                        {webhook.description}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{webhook.events.join(", ")}</Table.Td>
                  <Table.Td>
                    {webhook.enabled ? (
                      <Badge color="green" variant="light">
                        {t("enabled")}
                      </Badge>
                    ) : (
                      <Badge color="gray" variant="light">
                        {t("disabledReason", { reason: webhook.disabled_reason ?? "—" })}
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Group gap="xs" wrap="nowrap">
                      <Button size="xs" variant="light" onClick={() => setEditing(webhook)}>
                        {t("edit")}
                      </Button>
                      <Button
                        size="xs"
                        variant="light"
                        onClick={() => {
                          if (window.confirm(t("confirmRotate"))) rotate.mutate(webhook);
                        }}
                      >
                        {t("rotate")}
                      </Button>
                      <Button
                        size="xs"
                        variant="subtle"
                        color="red"
                        onClick={() => {
                          if (window.confirm(t("confirmDelete", { url: webhook.url })))
                            remove.mutate(webhook);
                        }}
                      >
                        {t("delete")}
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <CallbackSecret />
      {editing !== undefined && (
        <WebhookForm
          key={editing?.id ?? "new"}
          webhook={editing}
          onClose={() => setEditing(undefined)}
        />
      )}
    </Stack>
  );
}
