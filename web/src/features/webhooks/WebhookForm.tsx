import { Button, Checkbox, Group, Modal, Stack, Switch, TextInput } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type Schemas, unwrap } from "../../api/client";
import { fieldError, ProblemAlert } from "../../components/ProblemAlert";
import { NS } from "./i18n";
import { SecretOnce } from "./Secret";

type Webhook = Schemas["WebhookResponse"];
type EventName = Schemas["WebhookCreate"]["events"][number];
const EVENTS: EventName[] = ["message.status", "message.inbound"];

/** Register an endpoint (its secret is then shown once) or change one. */
export function WebhookForm({
  webhook,
  onClose,
}: {
  webhook: Webhook | null;
  onClose: () => void;
}) {
  const { t } = useTranslation(NS);
  const queryClient = useQueryClient();
  const [url, setUrl] = useState(webhook?.url ?? "");
  const [events, setEvents] = useState<string[]>(webhook?.events ?? [...EVENTS]);
  const [description, setDescription] = useState(webhook?.description ?? "");
  const [enabled, setEnabled] = useState(webhook?.enabled ?? true);
  const save = useMutation({
    mutationFn: async () => {
      const body = {
        url,
        events: events as EventName[],
        description: description || null,
      };
      if (!webhook) return unwrap(api.POST("/v1/webhooks", { body }));
      return unwrap(
        api.PATCH("/v1/webhooks/{webhook_id}", {
          params: { path: { webhook_id: webhook.id } },
          body: { ...body, enabled },
        }),
      );
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["webhooks"] });
      if (webhook) onClose();
    },
  });
  // Only a new endpoint's answer carries its secret (WebhookCreated).
  const created = !webhook && save.data ? (save.data as Schemas["WebhookCreated"]) : null;
  return (
    <Modal
      opened
      onClose={onClose}
      title={webhook ? t("edit") : t("new")}
      size="lg"
      closeButtonProps={{ "aria-label": t("close") }}
    >
      {created ? (
        <Stack>
          <SecretOnce secret={created.secret} />
          <Group justify="flex-end">
            <Button onClick={onClose}>{t("done")}</Button>
          </Group>
        </Stack>
      ) : (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            save.mutate();
          }}
        >
          <Stack>
            <ProblemAlert error={save.error} />
            <TextInput
              label={t("url")}
              description={t("urlHint")}
              type="url"
              value={url}
              onChange={(event) => setUrl(event.currentTarget.value)}
              error={fieldError(save.error, "url")}
              maxLength={2048}
              required
              data-autofocus
            />
            <Checkbox.Group
              label={t("events")}
              value={events}
              onChange={(value) => setEvents(value as string[])}
              error={fieldError(save.error, "events")}
              withAsterisk
            >
              <Stack gap="xs" mt="xs">
                {EVENTS.map((name) => (
                  <Checkbox key={name} value={name} label={t(`eventNames.${name}`)} />
                ))}
              </Stack>
            </Checkbox.Group>
            <TextInput
              label={t("description")}
              value={description}
              onChange={(event) => setDescription(event.currentTarget.value)}
              error={fieldError(save.error, "description")}
              maxLength={500}
            />
            {webhook && (
              <Switch
                label={t("enabled")}
                checked={enabled}
                onChange={(event) => setEnabled(event.currentTarget.checked)}
              />
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>
                {t("cancel")}
              </Button>
              <Button type="submit" loading={save.isPending} disabled={events.length === 0}>
                {t("save")}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
