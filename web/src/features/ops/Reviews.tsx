import { Button, Group, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../../api/client";
import { ProblemAlert } from "../../components/ProblemAlert";
import { NS } from "./i18n";

/** Messages held because they link through a URL shortener, oldest first: the operator
 * decides on the domains found, never on the text (operators never see texts). */
export function HeldForReview() {
  const { t, i18n } = useTranslation(NS);
  const queryClient = useQueryClient();
  const reviews = useQuery({
    queryKey: ["ops", "content-reviews"],
    queryFn: () =>
      unwrap(api.GET("/v1/ops/content-reviews", { params: { query: { limit: 100 } } })),
    refetchInterval: 10_000,
  });
  const decide = useMutation({
    mutationFn: ({ id, approve }: { id: string; approve: boolean }) => {
      const path = { params: { path: { message_id: id } } };
      return approve
        ? unwrap(api.POST("/v1/ops/content-reviews/{message_id}/approve", path))
        : unwrap(api.POST("/v1/ops/content-reviews/{message_id}/reject", path));
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["ops", "content-reviews"] }),
  });
  const items = reviews.data?.items ?? [];
  return (
    <Stack>
      <Title order={2} size="h3">
        {t("content.held")}
      </Title>
      <ProblemAlert error={reviews.error ?? decide.error} />
      {reviews.isSuccess && items.length === 0 && <Text>{t("content.heldEmpty")}</Text>}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={560}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("content.at")}</Table.Th>
                <Table.Th>{t("content.account")}</Table.Th>
                <Table.Th>{t("content.domains")}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((held) => (
                <Table.Tr key={held.message_id} data-testid="ops-held-row">
                  <Table.Td>{new Date(held.created_at).toLocaleString(i18n.language)}</Table.Td>
                  <Table.Td>
                    <code>{held.account_id}</code>
                  </Table.Td>
                  <Table.Td>{held.domains.join(", ")}</Table.Td>
                  <Table.Td>
                    <Group gap="xs" wrap="nowrap">
                      <Button
                        size="xs"
                        color="green"
                        loading={decide.isPending && decide.variables?.id === held.message_id}
                        onClick={() => decide.mutate({ id: held.message_id, approve: true })}
                      >
                        {t("content.release")}
                      </Button>
                      <Button
                        size="xs"
                        color="red"
                        variant="light"
                        disabled={decide.isPending}
                        onClick={() => decide.mutate({ id: held.message_id, approve: false })}
                      >
                        {t("content.refuse")}
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
