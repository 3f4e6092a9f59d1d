import { Badge, Button, Stack, Table, Text } from "@mantine/core";
import { useInfiniteQuery, useMutation } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, type Schemas, unwrap } from "../../api/client";
import { ProblemAlert } from "../../components/ProblemAlert";
import { saveBlob } from "../files/download";
import { NS } from "./i18n";

type Invoice = Schemas["InvoiceResponse"];

export function Invoices() {
  const { t, i18n } = useTranslation(NS);
  const invoices = useInfiniteQuery({
    queryKey: ["invoices"],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/v1/billing/invoices", { params: { query: { limit: 50, cursor: pageParam } } }),
      ),
    getNextPageParam: (page) => page.next_cursor ?? undefined,
  });
  const pdf = useMutation({
    mutationFn: (invoice: Invoice) =>
      saveBlob(
        api.GET("/v1/billing/invoices/{invoice_id}.pdf", {
          params: { path: { invoice_id: invoice.id } },
          parseAs: "blob",
        }),
        `${invoice.document}-${invoice.number.replace(/[^\w.-]+/g, "_")}.pdf`,
      ),
  });
  const items = invoices.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <Stack>
      <ProblemAlert error={invoices.error ?? pdf.error} />
      {invoices.isLoading && <Text c="dimmed">{t("loading")}</Text>}
      {invoices.isSuccess && items.length === 0 && <Text>{t("invoices.empty")}</Text>}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={640}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("invoices.number")}</Table.Th>
                <Table.Th>{t("invoices.document")}</Table.Th>
                <Table.Th>{t("invoices.issued")}</Table.Th>
                <Table.Th>{t("invoices.period")}</Table.Th>
                <Table.Th style={{ textAlign: "right" }}>{t("invoices.total")}</Table.Th>
                <Table.Th>{t("invoices.status")}</Table.Th>
                <Table.Th>{t("invoices.pdf")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((invoice) => (
                <Table.Tr key={invoice.id} data-testid="invoice-row">
                  <Table.Td>{invoice.number}</Table.Td>
                  <Table.Td>{t(`invoices.documents.${invoice.document}`)}</Table.Td>
                  <Table.Td>
                    {new Date(invoice.issued_at).toLocaleDateString(i18n.language)}
                  </Table.Td>
                  <Table.Td>{invoice.period ?? "—"}</Table.Td>
                  <Table.Td style={{ textAlign: "right" }}>
                    {invoice.total} {invoice.currency}
                  </Table.Td>
                  <Table.Td>
                    <Badge color={invoice.status === "paid" ? "green" : "blue"} variant="light">
                      {t(`invoices.statuses.${invoice.status}`)}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Button
                      size="xs"
                      variant="subtle"
                      aria-label={t("invoices.download", { number: invoice.number })}
                      loading={pdf.isPending && pdf.variables?.id === invoice.id}
                      onClick={() => pdf.mutate(invoice)}
                    >
                      {t("invoices.pdf")}
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {invoices.hasNextPage && (
        <Button
          variant="light"
          onClick={() => invoices.fetchNextPage()}
          loading={invoices.isFetchingNextPage}
        >
          {t("more")}
        </Button>
      )}
    </Stack>
  );
}
