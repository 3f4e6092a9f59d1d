import { Anchor, Badge, Button, Group, Loader, Stack, Table, Text, Title } from "@mantine/core";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import { ProblemAlert } from "../../components/ProblemAlert";
import { type Campaign, isLive } from "./campaign";
import { NS } from "./i18n";

export const STATE_COLORS: Record<Campaign["state"], string> = {
  draft: "gray",
  scheduled: "violet",
  sending: "blue",
  paused: "yellow",
  completed: "green",
  cancelled: "red",
  failed: "red",
};

export function CampaignsPage() {
  const { t, i18n } = useTranslation(NS);
  const campaigns = useInfiniteQuery({
    queryKey: ["campaigns", "list"],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(api.GET("/v1/campaigns", { params: { query: { limit: 50, cursor: pageParam } } })),
    getNextPageParam: (page) => page.next_cursor ?? undefined,
    // Running campaigns move: refresh while any shown one is still live.
    refetchInterval: (query) =>
      query.state.data?.pages.some((page) => page.items.some((c) => isLive(c.state)))
        ? 5000
        : false,
  });
  const items = campaigns.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">
          {t("title")}
        </Title>
        <Button component={Link} to="/campaigns/new">
          {t("new")}
        </Button>
      </Group>
      <ProblemAlert error={campaigns.error} />
      {campaigns.isPending && <Loader aria-label="loading" />}
      {campaigns.isSuccess && items.length === 0 && <Text>{t("empty")}</Text>}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={600}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("name")}</Table.Th>
                <Table.Th>{t("state")}</Table.Th>
                <Table.Th>{t("recipients")}</Table.Th>
                <Table.Th>{t("created")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((campaign) => (
                <Table.Tr key={campaign.id} data-testid="campaign-row">
                  <Table.Td>
                    <Anchor component={Link} to={`/campaigns/${campaign.id}`}>
                      {campaign.name}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <Badge color={STATE_COLORS[campaign.state]} variant="light">
                      {t(`states.${campaign.state}`)}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    {campaign.released} / {campaign.recipients}
                  </Table.Td>
                  <Table.Td>{new Date(campaign.created_at).toLocaleString(i18n.language)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {campaigns.hasNextPage && (
        <Button
          variant="light"
          onClick={() => campaigns.fetchNextPage()}
          loading={campaigns.isFetchingNextPage}
        >
          {t("more")}
        </Button>
      )}
    </Stack>
  );
}
