import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  Loader,
  Paper,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useInfiniteQuery, useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import { fieldError, ProblemAlert } from "../../components/ProblemAlert";
import { toOffsetTime } from "../campaigns/time";
import { NS } from "./i18n";

function ReplayWindow({ webhookId }: { webhookId: string }) {
  const { t } = useTranslation(NS);
  const [since, setSince] = useState("");
  const [until, setUntil] = useState("");
  const replay = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/v1/webhooks/{webhook_id}/replay", {
          params: { path: { webhook_id: webhookId } },
          body: { since: toOffsetTime(since) ?? "", until: toOffsetTime(until) ?? "" },
        }),
      ),
  });
  return (
    <Paper withBorder p="md">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          replay.mutate();
        }}
      >
        <Stack gap="xs">
          <Title order={2} size="h4">
            {t("attempts.window")}
          </Title>
          <ProblemAlert error={replay.error} />
          {replay.data && (
            <Alert color="green" role="status">
              {t("attempts.queued", { count: replay.data.queued })}
            </Alert>
          )}
          <Group align="flex-end">
            <TextInput
              type="datetime-local"
              label={t("attempts.since")}
              value={since}
              onChange={(event) => setSince(event.currentTarget.value)}
              error={fieldError(replay.error, "since")}
              required
            />
            <TextInput
              type="datetime-local"
              label={t("attempts.until")}
              value={until}
              onChange={(event) => setUntil(event.currentTarget.value)}
              error={fieldError(replay.error, "until")}
              required
            />
            <Button type="submit" loading={replay.isPending}>
              {t("attempts.replayWindow")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}

export function WebhookAttempts() {
  const { t, i18n } = useTranslation(NS);
  const { webhookId = "" } = useParams();
  const webhook = useQuery({
    queryKey: ["webhooks", webhookId],
    queryFn: () =>
      unwrap(api.GET("/v1/webhooks/{webhook_id}", { params: { path: { webhook_id: webhookId } } })),
  });
  const attempts = useInfiniteQuery({
    queryKey: ["webhooks", webhookId, "attempts"],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/v1/webhooks/{webhook_id}/attempts", {
          params: { path: { webhook_id: webhookId }, query: { limit: 50, cursor: pageParam } },
        }),
      ),
    getNextPageParam: (page) => page.next_cursor ?? undefined,
  });
  const replay = useMutation({
    mutationFn: (deliveryId: string) =>
      unwrap(
        api.POST("/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/replay", {
          params: { path: { webhook_id: webhookId, delivery_id: deliveryId } },
        }),
      ),
    onSuccess: () => attempts.refetch(),
  });
  const items = attempts.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <Stack>
      <Anchor component={Link} to="/webhooks">
        {t("attempts.back")}
      </Anchor>
      <Title order={1} size="h2">
        {t("attempts.title")}
      </Title>
      {webhook.data && (
        <Text style={{ wordBreak: "break-all" }} fw={500}>
          {webhook.data.url}
        </Text>
      )}
      <ProblemAlert error={webhook.error ?? attempts.error ?? replay.error} />
      {replay.data && (
        <Alert color="green" role="status">
          {t("attempts.queued", { count: replay.data.queued })}
        </Alert>
      )}
      {attempts.isPending && <Loader aria-label="loading" />}
      {attempts.isSuccess && items.length === 0 && <Text>{t("attempts.empty")}</Text>}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={600}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("attempts.at")}</Table.Th>
                <Table.Th>{t("attempts.event")}</Table.Th>
                <Table.Th>{t("attempts.status")}</Table.Th>
                <Table.Th>{t("attempts.latency")}</Table.Th>
                <Table.Th>{t("attempts.error")}</Table.Th>
                <Table.Th>{t("actions")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((attempt) => {
                const ok =
                  attempt.status_code !== null &&
                  attempt.status_code >= 200 &&
                  attempt.status_code < 300;
                return (
                  <Table.Tr key={attempt.id} data-testid="attempt-row">
                    <Table.Td>
                      {new Date(attempt.attempted_at).toLocaleString(i18n.language)}
                    </Table.Td>
                    <Table.Td>{attempt.event_type}</Table.Td>
                    <Table.Td>
                      <Badge color={ok ? "green" : "red"} variant="light">
                        {attempt.status_code ?? t("attempts.noAnswer")}
                      </Badge>
                    </Table.Td>
                    <Table.Td>{attempt.latency_ms} ms</Table.Td>
                    <Table.Td>
                      <Text size="xs" lineClamp={2}>
                        {attempt.error ?? attempt.response_body ?? ""}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Button
                        size="xs"
                        variant="light"
                        loading={replay.isPending && replay.variables === attempt.delivery_id}
                        onClick={() => replay.mutate(attempt.delivery_id)}
                      >
                        {t("attempts.replay")}
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {attempts.hasNextPage && (
        <Button
          variant="light"
          onClick={() => attempts.fetchNextPage()}
          loading={attempts.isFetchingNextPage}
        >
          {t("attempts.more")}
        </Button>
      )}
      <ReplayWindow webhookId={webhookId} />
    </Stack>
  );
}
