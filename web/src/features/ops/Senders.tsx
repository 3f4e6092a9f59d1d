import { Badge, Button, Group, SegmentedControl, Stack, Table, Text, Title } from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type Schemas, unwrap } from "../../api/client";
import { ProblemAlert } from "../../components/ProblemAlert";
import { NS } from "./i18n";
import { ReasonModal } from "./ReasonModal";

type Sender = Schemas["OpsSender"];
type State = Sender["state"];
const STATES: State[] = ["pending", "approved", "rejected", "revoked", "withdrawn"];
const PAGE = 50;
const COLORS: Record<State, string> = {
  pending: "yellow",
  approved: "green",
  rejected: "red",
  revoked: "orange",
  withdrawn: "gray",
};

function Decide({ sender }: { sender: Sender }) {
  const { t } = useTranslation(NS);
  const queryClient = useQueryClient();
  const [asking, setAsking] = useState<"reject" | "revoke" | null>(null);
  const done = () => {
    setAsking(null);
    return queryClient.invalidateQueries({ queryKey: ["ops", "senders"] });
  };
  const path = { params: { path: { sender_id: sender.id } } };
  const approve = useMutation({
    mutationFn: () => unwrap(api.POST("/v1/ops/senders/{sender_id}/approve", path)),
    onSuccess: done,
  });
  const refuse = useMutation({
    mutationFn: (reason: string) =>
      asking === "revoke"
        ? unwrap(api.POST("/v1/ops/senders/{sender_id}/revoke", { ...path, body: { reason } }))
        : unwrap(api.POST("/v1/ops/senders/{sender_id}/reject", { ...path, body: { reason } })),
    onSuccess: done,
  });
  return (
    <Stack gap={4}>
      <Group gap="xs">
        {sender.state === "pending" && (
          <>
            <Button
              size="xs"
              color="green"
              loading={approve.isPending}
              onClick={() => approve.mutate()}
            >
              {t("senders.approve")}
            </Button>
            <Button size="xs" color="red" variant="light" onClick={() => setAsking("reject")}>
              {t("senders.reject")}
            </Button>
          </>
        )}
        {sender.state === "approved" && (
          <Button size="xs" color="orange" variant="light" onClick={() => setAsking("revoke")}>
            {t("senders.revoke")}
          </Button>
        )}
      </Group>
      <ProblemAlert error={approve.error} />
      <ReasonModal
        opened={asking !== null}
        title={t(asking === "revoke" ? "senders.revokeTitle" : "senders.rejectTitle", {
          name: sender.name,
        })}
        hint={t("senders.reasonHint")}
        pending={refuse.isPending}
        error={refuse.error}
        onClose={() => setAsking(null)}
        onConfirm={(reason) => refuse.mutate(reason)}
      />
    </Stack>
  );
}

export function OpsSenders() {
  const { t, i18n } = useTranslation(NS);
  const [state, setState] = useState<State>("pending");
  // Five states do not fit side by side on a phone.
  const narrow = useMediaQuery("(max-width: 48em)");
  const senders = useInfiniteQuery({
    queryKey: ["ops", "senders", state],
    initialPageParam: 0,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/v1/ops/senders", {
          params: { query: { state, limit: PAGE, offset: pageParam } },
        }),
      ),
    // Offset pages: a full page means there may be more.
    getNextPageParam: (page, pages) =>
      page.items.length === PAGE ? pages.length * PAGE : undefined,
  });
  const items = senders.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <Stack>
      <Title order={1} size="h2">
        {t("senders.title")}
      </Title>
      <SegmentedControl
        aria-label={t("senders.state")}
        value={state}
        onChange={(value) => setState(value as State)}
        data={STATES.map((value) => ({ value, label: t(`senders.states.${value}`) }))}
        orientation={narrow ? "vertical" : "horizontal"}
        style={{ alignSelf: "flex-start", maxWidth: "100%" }}
      />
      <ProblemAlert error={senders.error} />
      {senders.isLoading && <Text c="dimmed">{t("loading")}</Text>}
      {senders.isSuccess && items.length === 0 && <Text>{t("senders.empty")}</Text>}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={720}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("senders.name")}</Table.Th>
                <Table.Th>{t("senders.company")}</Table.Th>
                <Table.Th>{t("senders.purpose")}</Table.Th>
                <Table.Th>{t("senders.requested")}</Table.Th>
                <Table.Th>{t("senders.state")}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((sender) => (
                <Table.Tr key={sender.id} data-testid="ops-sender-row">
                  <Table.Td>
                    <Text fw={600}>{sender.name}</Text>
                    <Text size="xs" c="dimmed">
                      {sender.kind}
                    </Text>
                  </Table.Td>
                  <Table.Td>{sender.company}</Table.Td>
                  <Table.Td>
                    <Text size="sm">{sender.purpose}</Text>
                    {sender.documents.length > 0 && (
                      <Text size="xs" c="dimmed">
                        {t("senders.documents")}: {sender.documents.join(", ")}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{new Date(sender.created_at).toLocaleString(i18n.language)}</Table.Td>
                  <Table.Td>
                    <Badge color={COLORS[sender.state]} variant="light">
                      {t(`senders.states.${sender.state}`)}
                    </Badge>
                    {sender.reason && (
                      <Text size="xs" c="dimmed">
                        {sender.reason}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Decide sender={sender} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {senders.hasNextPage && (
        <Button
          variant="light"
          onClick={() => senders.fetchNextPage()}
          loading={senders.isFetchingNextPage}
        >
          {t("more")}
        </Button>
      )}
    </Stack>
  );
}
