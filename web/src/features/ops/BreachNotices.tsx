import {
  Badge,
  Button,
  Card,
  Checkbox,
  Group,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../../api/client";
import { fieldError, ProblemAlert } from "../../components/ProblemAlert";
import { toOffsetTime } from "../campaigns/time";
import { accountIds, deadlineState, hoursLeft } from "./breach";
import { NS } from "./i18n";

const COLORS = { overdue: "red", open: "yellow", done: "green" } as const;

function NewNotice() {
  const { t } = useTranslation(NS);
  const queryClient = useQueryClient();
  const [description, setDescription] = useState("");
  const [detected, setDetected] = useState("");
  const [all, setAll] = useState(false);
  const [accounts, setAccounts] = useState("");
  const send = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/v1/ops/breach-notices", {
          body: {
            description,
            detected_at: toOffsetTime(detected) ?? "",
            ...(all ? { all: true } : { affected_account_ids: accountIds(accounts) }),
          },
        }),
      ),
    onSuccess: () => {
      setDescription("");
      setAccounts("");
      return queryClient.invalidateQueries({ queryKey: ["ops", "breach-notices"] });
    },
  });
  return (
    <Card withBorder component="section" aria-labelledby="new-breach-notice">
      <Title order={2} size="h4" id="new-breach-notice">
        {t("breach.create")}
      </Title>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          send.mutate();
        }}
      >
        <Stack gap="xs" mt="xs">
          <ProblemAlert error={send.error} />
          <Textarea
            label={t("breach.description")}
            description={t("breach.descriptionHint")}
            value={description}
            onChange={(event) => setDescription(event.currentTarget.value)}
            error={fieldError(send.error, "description")}
            autosize
            minRows={3}
            required
          />
          <TextInput
            type="datetime-local"
            label={t("breach.detected")}
            description={t("breach.detectedHint")}
            value={detected}
            onChange={(event) => setDetected(event.currentTarget.value)}
            error={fieldError(send.error, "detected_at")}
            required
          />
          <Checkbox
            label={t("breach.all")}
            checked={all}
            onChange={(event) => setAll(event.currentTarget.checked)}
          />
          {!all && (
            <Textarea
              label={t("breach.accounts")}
              description={t("breach.accountsHint")}
              value={accounts}
              onChange={(event) => setAccounts(event.currentTarget.value)}
              error={fieldError(send.error, "affected_account_ids")}
              autosize
              minRows={2}
              required
              styles={{ input: { fontFamily: "monospace" } }}
            />
          )}
          <Group>
            <Button type="submit" color="red" loading={send.isPending}>
              {t("breach.send")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

/** Personal data breach notices: the affected customers' owners are mailed at once, and each
 * notice shows its 72-hour deadline from detection and how many mails went. */
export function OpsBreachNotices() {
  const { t, i18n } = useTranslation(NS);
  const notices = useQuery({
    queryKey: ["ops", "breach-notices"],
    queryFn: () => unwrap(api.GET("/v1/ops/breach-notices", { params: { query: { limit: 100 } } })),
    // The mails go out in the background: the counts move while the screen is open.
    refetchInterval: 10_000,
  });
  const items = notices.data?.items ?? [];
  const when = (at: string) => new Date(at).toLocaleString(i18n.language);
  return (
    <Stack>
      <Title order={1} size="h2">
        {t("breach.title")}
      </Title>
      <NewNotice />
      <ProblemAlert error={notices.error} />
      {notices.isLoading && <Text c="dimmed">{t("loading")}</Text>}
      {notices.isSuccess && items.length === 0 && <Text>{t("breach.empty")}</Text>}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={800}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("breach.detected")}</Table.Th>
                <Table.Th>{t("breach.deadline")}</Table.Th>
                <Table.Th>{t("breach.description")}</Table.Th>
                <Table.Th>{t("breach.scope")}</Table.Th>
                <Table.Th>{t("breach.mails")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((notice) => {
                const state = deadlineState(notice);
                const hours = hoursLeft(notice);
                return (
                  <Table.Tr key={notice.id} data-testid="ops-breach-row" data-state={state}>
                    <Table.Td>{when(notice.detected_at)}</Table.Td>
                    <Table.Td>
                      {when(notice.deadline)}
                      <br />
                      <Badge color={COLORS[state]} variant="light">
                        {t(`breach.states.${state}`)}
                      </Badge>{" "}
                      {state === "open" && hours >= 0 && (
                        <Text span size="xs">
                          {t("breach.hoursLeft", { count: hours })}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td style={{ whiteSpace: "pre-wrap", maxWidth: 360 }}>
                      {notice.description}
                    </Table.Td>
                    <Table.Td>
                      {notice.all
                        ? t("breach.everyone")
                        : t("breach.accountsCount", { count: notice.accounts })}
                    </Table.Td>
                    <Table.Td>
                      {t("breach.sent", {
                        sent: notice.sent,
                        recipients: notice.recipients,
                        pending: notice.pending,
                      })}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
