import { Badge, Button, Group, Paper, Stack, Table, Text, Title } from "@mantine/core";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../../api/client";
import { ProblemAlert } from "../../components/ProblemAlert";
import { describeAgent } from "./agent";
import { NS } from "./i18n";

const SESSIONS = ["auth-sessions"];

/** The person's own logins, with the device and address of their latest use; any but this
 * one can be ended, or all of the others at once. */
export function Sessions() {
  const { t, i18n } = useTranslation(NS);
  const queryClient = useQueryClient();
  const list = useInfiniteQuery({
    queryKey: SESSIONS,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(api.GET("/v1/auth/sessions", { params: { query: { cursor: pageParam } } })),
    getNextPageParam: (page) => page.next_cursor ?? undefined,
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: SESSIONS });
  const end = useMutation({
    mutationFn: (id: string) =>
      unwrap(
        api.DELETE("/v1/auth/sessions/{session_id}", { params: { path: { session_id: id } } }),
      ),
    onSettled: refresh,
  });
  const endOthers = useMutation({
    mutationFn: () => unwrap(api.POST("/v1/auth/sessions/revoke-others")),
    onSettled: refresh,
  });
  const items = list.data?.pages.flatMap((page) => page.items) ?? [];
  const when = (at: string) => new Date(at).toLocaleString(i18n.language);
  return (
    <Paper withBorder p="md">
      <Stack>
        <Group justify="space-between">
          <Title order={2} size="h3">
            {t("sessions.title")}
          </Title>
          <Button
            variant="light"
            color="red"
            disabled={!items.some((item) => !item.current)}
            loading={endOthers.isPending}
            onClick={() => endOthers.mutate()}
          >
            {t("sessions.endOthers")}
          </Button>
        </Group>
        <Text size="sm" c="dimmed">
          {t("sessions.intro")}
        </Text>
        <ProblemAlert error={list.error ?? end.error ?? endOthers.error} />
        {endOthers.data && (
          <Text size="sm" role="status">
            {t("sessions.ended", { count: endOthers.data.revoked })}
          </Text>
        )}
        <Table.ScrollContainer minWidth={320}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("sessions.device")}</Table.Th>
                <Table.Th>{t("sessions.address")}</Table.Th>
                <Table.Th>{t("sessions.lastUsed")}</Table.Th>
                <Table.Th>{t("sessions.started")}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((item) => (
                <Table.Tr
                  key={item.id}
                  data-testid="session-row"
                  data-current={item.current ? "true" : "false"}
                >
                  <Table.Td title={item.user_agent ?? undefined}>
                    <Stack gap={4} align="flex-start">
                      <Text size="sm">
                        {describeAgent(item.user_agent) ?? t("sessions.unknown")}
                      </Text>
                      {item.current && (
                        <Badge color="green" variant="light">
                          {t("sessions.current")}
                        </Badge>
                      )}
                    </Stack>
                  </Table.Td>
                  <Table.Td>{item.ip ?? t("sessions.unknown")}</Table.Td>
                  <Table.Td>{when(item.last_used_at)}</Table.Td>
                  <Table.Td>{when(item.created_at)}</Table.Td>
                  <Table.Td>
                    {/* This one ends with "Log out". */}
                    {!item.current && (
                      <Button
                        size="xs"
                        variant="subtle"
                        color="red"
                        loading={end.isPending && end.variables === item.id}
                        onClick={() => end.mutate(item.id)}
                      >
                        {t("sessions.end")}
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        {list.hasNextPage && (
          <Button
            variant="light"
            onClick={() => list.fetchNextPage()}
            loading={list.isFetchingNextPage}
          >
            {t("sessions.more")}
          </Button>
        )}
      </Stack>
    </Paper>
  );
}
