import {
  Alert,
  Button,
  Checkbox,
  Group,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../../api/client";
import { fieldError, ProblemAlert } from "../../components/ProblemAlert";
import { NS } from "./i18n";

/** A mail to every customer user: product news (only to those who did not unsubscribe, with
 * an unsubscribe link) or a service announcement everyone gets. */
export function OpsAnnouncements() {
  const { t } = useTranslation(NS);
  const [subject, setSubject] = useState("");
  const [text, setText] = useState("");
  const [service, setService] = useState(false);
  const send = useMutation({
    mutationFn: () =>
      unwrap(api.POST("/v1/ops/announcements", { body: { subject, text, marketing: !service } })),
    onSuccess: () => {
      setSubject("");
      setText("");
    },
  });
  return (
    <Stack maw={720}>
      <Title order={1} size="h2">
        {t("announcements.title")}
      </Title>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          send.mutate();
        }}
      >
        <Stack>
          <ProblemAlert error={send.error} />
          <TextInput
            label={t("announcements.subject")}
            value={subject}
            onChange={(event) => setSubject(event.currentTarget.value)}
            error={fieldError(send.error, "subject")}
            maxLength={200}
            required
          />
          <Textarea
            label={t("announcements.text")}
            value={text}
            onChange={(event) => setText(event.currentTarget.value)}
            error={fieldError(send.error, "text")}
            autosize
            minRows={6}
            required
          />
          <Checkbox
            label={t("announcements.service")}
            description={t("announcements.serviceHint")}
            checked={service}
            onChange={(event) => setService(event.currentTarget.checked)}
          />
          <Text size="sm" c="dimmed">
            {service ? t("announcements.toEveryone") : t("announcements.toSubscribed")}
          </Text>
          <Group>
            <Button type="submit" loading={send.isPending}>
              {t("announcements.send")}
            </Button>
          </Group>
          {send.data && (
            <Alert color="green" data-testid="ops-announcement-result">
              {t("announcements.sent", { count: send.data.recipients })}
            </Alert>
          )}
        </Stack>
      </form>
    </Stack>
  );
}
