import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  Loader,
  Paper,
  Progress,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import { ProblemAlert } from "../../components/ProblemAlert";
import { StatusBadge } from "../../components/StatusBadge";
import { STATE_COLORS } from "./CampaignsPage";
import {
  type Action,
  actionsFor,
  type Campaign,
  isLive,
  orderedCounts,
  releasedPercent,
} from "./campaign";
import { NS } from "./i18n";

const PATHS = {
  start: "/v1/campaigns/{campaign_id}/start",
  pause: "/v1/campaigns/{campaign_id}/pause",
  resume: "/v1/campaigns/{campaign_id}/resume",
  cancel: "/v1/campaigns/{campaign_id}/cancel",
} as const;

function Quote({ campaign }: { campaign: Campaign }) {
  const { t } = useTranslation(NS);
  if (campaign.state !== "draft") return null;
  if (!campaign.audience_complete || !campaign.quote)
    return (
      <Alert color="blue" role="status">
        {t("audiencePending")}
      </Alert>
    );
  const quote = campaign.quote;
  return (
    <Paper withBorder p="md">
      <Text fw={500}>{t("quote")}</Text>
      <Text data-testid="campaign-quote">
        {quote.total_price !== null
          ? t("quoteLine", {
              segments: quote.segments,
              price: quote.total_price,
              currency: quote.currency ?? "",
            })
          : t("quoteUnpriced", { segments: quote.segments })}
      </Text>
      {quote.note && (
        <Text size="sm" c="dimmed">
          {quote.note}
        </Text>
      )}
    </Paper>
  );
}

export function CampaignDetail() {
  const { t, i18n } = useTranslation(NS);
  const { campaignId = "" } = useParams();
  const queryClient = useQueryClient();
  const campaign = useQuery({
    queryKey: ["campaigns", campaignId],
    queryFn: () =>
      unwrap(
        api.GET("/v1/campaigns/{campaign_id}", { params: { path: { campaign_id: campaignId } } }),
      ),
    refetchInterval: (query) =>
      !query.state.data || isLive(query.state.data.state) || !query.state.data.audience_complete
        ? 2000
        : false,
  });
  const act = useMutation({
    mutationFn: (action: Action) =>
      unwrap(api.POST(PATHS[action], { params: { path: { campaign_id: campaignId } } })),
    onSuccess: (updated) => {
      queryClient.setQueryData(["campaigns", campaignId], updated);
      return queryClient.invalidateQueries({ queryKey: ["campaigns", "list"] });
    },
  });
  const data = campaign.data;
  const date = (value: string | null | undefined) =>
    value ? new Date(value).toLocaleString(i18n.language) : "—";
  return (
    <Stack maw={900}>
      <Anchor component={Link} to="/campaigns">
        {t("back")}
      </Anchor>
      <ProblemAlert error={campaign.error ?? act.error} />
      {campaign.isPending && <Loader aria-label="loading" />}
      {data && (
        <>
          <Group justify="space-between">
            <Title order={1} size="h2">
              {data.name}
            </Title>
            <Badge
              size="lg"
              color={STATE_COLORS[data.state]}
              variant="light"
              data-testid="campaign-state"
              data-state={data.state}
            >
              {t(`states.${data.state}`)}
            </Badge>
          </Group>
          {data.failure_reason && (
            <Text c="red" data-testid="campaign-failure">
              {t("failureReason")}: {data.failure_reason}
            </Text>
          )}
          <Text style={{ whiteSpace: "pre-wrap" }}>{data.text}</Text>
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <Text size="sm">
              {t("sender")}: {data.sender ?? t("defaultSender")}
            </Text>
            <Text size="sm">
              {t("purpose")}: {t(`purposes.${data.purpose}`)}
            </Text>
            <Text size="sm">
              {t("scheduledFor")}: {date(data.send_at)}
            </Text>
            <Text size="sm">
              {t("startedAt")}: {date(data.started_at)}
            </Text>
            <Text size="sm">
              {t("finishedAt")}: {date(data.finished_at)}
            </Text>
          </SimpleGrid>
          <Quote campaign={data} />
          <Paper withBorder p="md">
            <Stack gap="xs">
              <Text fw={500}>{t("progress")}</Text>
              <Progress
                value={releasedPercent(data)}
                aria-label={t("progress")}
                animated={data.state === "sending"}
              />
              <Text size="sm" data-testid="campaign-released">
                {t("released", { released: data.released, recipients: data.recipients })}
              </Text>
              {data.counts && (
                <Table>
                  <Table.Tbody>
                    <Table.Tr>
                      <Table.Td>{t("pending")}</Table.Td>
                      <Table.Td>{data.counts.pending}</Table.Td>
                    </Table.Tr>
                    <Table.Tr>
                      <Table.Td>{t("refused")}</Table.Td>
                      <Table.Td>{data.counts.refused}</Table.Td>
                    </Table.Tr>
                    {orderedCounts(data.counts.messages).map(([status, count]) => (
                      <Table.Tr key={status}>
                        <Table.Td>
                          <StatusBadge status={status} />
                        </Table.Td>
                        <Table.Td>{count}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              )}
            </Stack>
          </Paper>
          <Group>
            {actionsFor(data.state).map((action) => (
              <Button
                key={action}
                color={action === "cancel" ? "red" : undefined}
                variant={action === "cancel" ? "light" : "filled"}
                loading={act.isPending && act.variables === action}
                onClick={() => {
                  if (
                    action !== "cancel" ||
                    window.confirm(t("confirmCancel", { name: data.name }))
                  )
                    act.mutate(action);
                }}
              >
                {t(`actions.${action}`)}
              </Button>
            ))}
          </Group>
        </>
      )}
    </Stack>
  );
}
