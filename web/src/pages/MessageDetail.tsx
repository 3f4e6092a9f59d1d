import { Anchor, Card, Group, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";
import { api, unwrap } from "../api/client";
import { ProblemAlert } from "../components/ProblemAlert";
import { StatusBadge } from "../components/StatusBadge";

export function MessageDetail() {
  const { t, i18n } = useTranslation();
  const { messageId = "" } = useParams();
  const message = useQuery({
    queryKey: ["message", messageId],
    queryFn: () =>
      unwrap(api.GET("/v1/messages/{message_id}", { params: { path: { message_id: messageId } } })),
    refetchInterval: 2000,
  });
  const when = (at: string | null | undefined) =>
    at ? new Date(at).toLocaleString(i18n.language) : "—";
  return (
    <Stack>
      <Anchor component={Link} to="/messages">
        {t("messages.back")}
      </Anchor>
      <ProblemAlert error={message.error} />
      {message.data && (
        <>
          <Group>
            <Title order={1} size="h2">
              {message.data.to}
            </Title>
            <StatusBadge status={message.data.status} />
          </Group>
          <Text style={{ whiteSpace: "pre-wrap" }}>{message.data.text}</Text>
          <Title order={2} size="h3">
            {t("messages.parts")}
          </Title>
          {message.data.parts.map((part) => (
            <Card key={part.index} withBorder>
              <Group>
                <Text fw={500}>
                  {t("messages.part")} {part.index + 1}
                </Text>
                <StatusBadge status={part.status} />
                <Text size="sm">
                  {t("messages.smscId")}: {part.smsc_message_id ?? "—"}
                </Text>
              </Group>
              <Table mt="xs">
                <Table.Tbody>
                  {part.history.map((change) => (
                    <Table.Tr key={`${change.status}-${change.at}`}>
                      <Table.Td>
                        <StatusBadge status={change.status} />
                      </Table.Td>
                      <Table.Td>{when(change.at)}</Table.Td>
                      <Table.Td>{change.error_code ?? ""}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Card>
          ))}
        </>
      )}
    </Stack>
  );
}
