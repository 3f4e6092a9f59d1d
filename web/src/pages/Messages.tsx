import { Anchor, Button, Stack, Table, Text, Title } from "@mantine/core";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { api, unwrap } from "../api/client";
import { ProblemAlert } from "../components/ProblemAlert";
import { StatusBadge } from "../components/StatusBadge";

export function useMessages(limit: number) {
  return useInfiniteQuery({
    queryKey: ["messages", limit],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(api.GET("/v1/messages", { params: { query: { limit, cursor: pageParam } } })),
    getNextPageParam: (page) => page.next_cursor ?? undefined,
    refetchInterval: 3000,
  });
}

export function MessageTable({ limit, paginate }: { limit: number; paginate: boolean }) {
  const { t, i18n } = useTranslation();
  const messages = useMessages(limit);
  const items = messages.data?.pages.flatMap((page) => page.items) ?? [];
  if (messages.error) return <ProblemAlert error={messages.error} />;
  if (messages.isSuccess && items.length === 0) return <Text>{t("messages.empty")}</Text>;
  return (
    <Stack>
      <Table.ScrollContainer minWidth={320}>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("messages.to")}</Table.Th>
              <Table.Th>{t("messages.status")}</Table.Th>
              <Table.Th>{t("messages.created")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((message) => (
              <Table.Tr key={message.id} data-testid="message-row">
                <Table.Td>
                  <Anchor component={Link} to={`/messages/${message.id}`}>
                    {message.to}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <StatusBadge status={message.status} />
                </Table.Td>
                <Table.Td>{new Date(message.created_at).toLocaleString(i18n.language)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {paginate && messages.hasNextPage && (
        <Button
          variant="light"
          onClick={() => messages.fetchNextPage()}
          loading={messages.isFetchingNextPage}
        >
          {t("messages.more")}
        </Button>
      )}
    </Stack>
  );
}

export function Messages() {
  const { t } = useTranslation();
  return (
    <Stack>
      <Title order={1} size="h2">
        {t("messages.title")}
      </Title>
      <MessageTable limit={50} paginate />
    </Stack>
  );
}
