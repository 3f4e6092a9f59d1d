import {
  Badge,
  Button,
  Group,
  SegmentedControl,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../../api/client";
import { ProblemAlert } from "../../components/ProblemAlert";
import { NS } from "./i18n";

type Status = "issued" | "paid";

/** Bank transfers are matched by the invoice number they quote: find it, mark it paid, and
 * the account's balance gets the invoice's net amount. */
export function OpsInvoices() {
  const { t, i18n } = useTranslation(NS);
  const queryClient = useQueryClient();
  const [number, setNumber] = useState("");
  const [status, setStatus] = useState<Status>("issued");
  const [debounced] = useDebouncedValue(number.trim(), 300);
  const invoices = useQuery({
    queryKey: ["ops", "invoices", debounced, status],
    queryFn: () =>
      unwrap(
        api.GET("/v1/ops/invoices", {
          params: { query: { number: debounced || undefined, status, limit: 100 } },
        }),
      ),
  });
  const paid = useMutation({
    mutationFn: (invoice_id: string) =>
      unwrap(api.POST("/v1/ops/invoices/{invoice_id}/paid", { params: { path: { invoice_id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["ops", "invoices"] }),
  });
  const items = invoices.data?.items ?? [];
  return (
    <Stack>
      <Title order={1} size="h2">
        {t("invoices.title")}
      </Title>
      <Group align="flex-end">
        <TextInput
          label={t("invoices.number")}
          type="search"
          value={number}
          onChange={(event) => setNumber(event.currentTarget.value)}
        />
        <SegmentedControl
          aria-label={t("invoices.status")}
          value={status}
          onChange={(value) => setStatus(value as Status)}
          data={(["issued", "paid"] as const).map((value) => ({
            value,
            label: t(`invoices.statuses.${value}`),
          }))}
        />
      </Group>
      <ProblemAlert error={invoices.error ?? paid.error} />
      {invoices.isLoading && <Text c="dimmed">{t("loading")}</Text>}
      {invoices.isSuccess && items.length === 0 && <Text>{t("invoices.empty")}</Text>}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={640}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("invoices.number")}</Table.Th>
                <Table.Th>{t("invoices.company")}</Table.Th>
                <Table.Th>{t("invoices.issued")}</Table.Th>
                <Table.Th style={{ textAlign: "right" }}>{t("invoices.total")}</Table.Th>
                <Table.Th>{t("invoices.status")}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((invoice) => (
                <Table.Tr key={invoice.id} data-testid="ops-invoice-row">
                  <Table.Td>
                    {invoice.number}
                    <Text size="xs" c="dimmed">
                      {invoice.document}
                    </Text>
                  </Table.Td>
                  <Table.Td>{invoice.company}</Table.Td>
                  <Table.Td>
                    {new Date(invoice.issued_at).toLocaleDateString(i18n.language)}
                  </Table.Td>
                  <Table.Td style={{ textAlign: "right" }}>
                    {invoice.total} {invoice.currency}
                  </Table.Td>
                  <Table.Td>
                    <Badge color={invoice.status === "paid" ? "green" : "blue"} variant="light">
                      {t(`invoices.statuses.${invoice.status}`)}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    {invoice.status === "issued" && invoice.document === "invoice" && (
                      <Button
                        size="xs"
                        loading={paid.isPending && paid.variables === invoice.id}
                        onClick={() => paid.mutate(invoice.id)}
                      >
                        {t("invoices.markPaid")}
                      </Button>
                    )}
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
