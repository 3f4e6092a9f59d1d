import { Badge, Button, Group, SegmentedControl, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type Schemas, unwrap } from "../../api/client";
import { ProblemAlert } from "../../components/ProblemAlert";
import { NS } from "./i18n";
import { ReasonModal } from "./ReasonModal";

type Refund = Schemas["OpsRefundRequest"];
type State = Refund["state"];
type Filter = State | "overdue";
const FILTERS: Filter[] = [
  "requested",
  "overdue",
  "awaiting_details",
  "paid",
  "rejected",
  "withdrawn",
];
const COLORS: Record<State, string> = {
  awaiting_details: "gray",
  requested: "blue",
  paid: "green",
  rejected: "red",
  withdrawn: "gray",
};

/** Closed accounts' refunds: the bank details to transfer to, the due date (10 business days
 * after the details), and the decision: paid once transferred, or rejected with a reason (the
 * money goes back to the account's balance). */
export function OpsRefunds() {
  const { t, i18n } = useTranslation(NS);
  const queryClient = useQueryClient();
  const [filter, setFilter] = useState<Filter>("requested");
  const [rejecting, setRejecting] = useState<Refund | null>(null);
  const refunds = useQuery({
    queryKey: ["ops", "refunds", filter],
    queryFn: () =>
      filter === "overdue"
        ? unwrap(api.GET("/v1/ops/refunds/overdue"))
        : unwrap(api.GET("/v1/ops/refunds", { params: { query: { state: filter } } })),
  });
  // Flagged in every view, not only under "overdue": the deadline is what matters most.
  const overdue = useQuery({
    queryKey: ["ops", "refunds", "overdue"],
    queryFn: () => unwrap(api.GET("/v1/ops/refunds/overdue")),
  });
  const late = new Set((overdue.data?.items ?? []).map((refund) => refund.id));
  const done = () => queryClient.invalidateQueries({ queryKey: ["ops", "refunds"] });
  const paid = useMutation({
    mutationFn: (refund_id: string) =>
      unwrap(api.POST("/v1/ops/refunds/{refund_id}/paid", { params: { path: { refund_id } } })),
    onSuccess: done,
  });
  const reject = useMutation({
    mutationFn: ({ refund_id, reason }: { refund_id: string; reason: string }) =>
      unwrap(
        api.POST("/v1/ops/refunds/{refund_id}/reject", {
          params: { path: { refund_id } },
          body: { reason },
        }),
      ),
    onSuccess: () => {
      setRejecting(null);
      return done();
    },
  });
  const items = refunds.data?.items ?? [];
  const day = (at: string) => new Date(at).toLocaleDateString(i18n.language);
  return (
    <Stack>
      <Title order={1} size="h2">
        {t("refunds.title")}
      </Title>
      <SegmentedControl
        aria-label={t("refunds.state")}
        value={filter}
        onChange={(value) => setFilter(value as Filter)}
        data={FILTERS.map((value) => ({ value, label: t(`refunds.filters.${value}`) }))}
        style={{ alignSelf: "flex-start", maxWidth: "100%", overflowX: "auto" }}
      />
      <ProblemAlert error={refunds.error ?? paid.error} />
      {refunds.isLoading && <Text c="dimmed">{t("loading")}</Text>}
      {refunds.isSuccess && items.length === 0 && <Text>{t("refunds.empty")}</Text>}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={900}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("refunds.account")}</Table.Th>
                <Table.Th style={{ textAlign: "right" }}>{t("refunds.amount")}</Table.Th>
                <Table.Th>{t("refunds.state")}</Table.Th>
                <Table.Th>{t("refunds.bank")}</Table.Th>
                <Table.Th>{t("refunds.closed")}</Table.Th>
                <Table.Th>{t("refunds.due")}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((refund) => (
                <Table.Tr
                  key={refund.id}
                  data-testid="ops-refund-row"
                  data-account={refund.account_id}
                >
                  <Table.Td>
                    <Text size="xs" ff="monospace">
                      {refund.account_id}
                    </Text>
                  </Table.Td>
                  <Table.Td style={{ textAlign: "right" }}>
                    {refund.amount} {refund.currency}
                  </Table.Td>
                  <Table.Td>
                    <Badge color={COLORS[refund.state]} variant="light" data-state={refund.state}>
                      {t(`refunds.states.${refund.state}`)}
                    </Badge>
                    {refund.rejection_reason && (
                      <Text size="xs" c="dimmed">
                        {refund.rejection_reason}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    {refund.holder ? (
                      <>
                        <Text size="sm">{refund.holder}</Text>
                        <Text size="xs" ff="monospace">
                          {refund.iban} {refund.bic}
                        </Text>
                      </>
                    ) : (
                      <Text size="sm" c="dimmed">
                        {t("refunds.noDetails")}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{day(refund.closed_at)}</Table.Td>
                  <Table.Td>
                    {refund.due_on && new Date(refund.due_on).toLocaleDateString(i18n.language)}{" "}
                    {late.has(refund.id) && (
                      <Badge color="red" data-testid="ops-refund-overdue">
                        {t("refunds.overdue")}
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Group gap="xs" wrap="nowrap">
                      {refund.state === "requested" && (
                        <Button
                          size="xs"
                          loading={paid.isPending && paid.variables === refund.id}
                          onClick={() => paid.mutate(refund.id)}
                        >
                          {t("refunds.markPaid")}
                        </Button>
                      )}
                      {(refund.state === "requested" || refund.state === "awaiting_details") && (
                        <Button
                          size="xs"
                          color="red"
                          variant="light"
                          onClick={() => {
                            reject.reset();
                            setRejecting(refund);
                          }}
                        >
                          {t("refunds.reject")}
                        </Button>
                      )}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {rejecting && (
        <ReasonModal
          opened
          title={t("refunds.rejectTitle", { amount: `${rejecting.amount} ${rejecting.currency}` })}
          hint={t("refunds.rejectHint")}
          pending={reject.isPending}
          error={reject.error}
          onClose={() => setRejecting(null)}
          onConfirm={(reason) => reject.mutate({ refund_id: rejecting.id, reason })}
        />
      )}
    </Stack>
  );
}
