import { Button, Group, MultiSelect, Stack, Table, Text, TextInput } from "@mantine/core";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type Schemas, unwrap } from "../../api/client";
import { ProblemAlert } from "../../components/ProblemAlert";
import { NS } from "./i18n";
import { dayRange, money } from "./range";

type Kind = Schemas["TransactionResponse"]["kind"];
const KINDS: Kind[] = [
  "starter_credit",
  "charge",
  "refund",
  "top_up",
  "invoice_payment",
  "manual_adjustment",
  "penalty",
];

export function Transactions() {
  const { t, i18n } = useTranslation(NS);
  const [kinds, setKinds] = useState<Kind[]>([]);
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const transactions = useInfiniteQuery({
    queryKey: ["transactions", kinds, from, to],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/v1/billing/transactions", {
          params: {
            query: {
              limit: 50,
              cursor: pageParam,
              type: kinds.length ? kinds : undefined,
              ...dayRange(from, to),
            },
          },
        }),
      ),
    getNextPageParam: (page) => page.next_cursor ?? undefined,
  });
  const items = transactions.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <Stack>
      <Group align="flex-end">
        <MultiSelect
          label={t("transactions.type")}
          data={KINDS.map((value) => ({ value, label: t(`transactions.kinds.${value}`) }))}
          value={kinds}
          onChange={(value) => setKinds(value as Kind[])}
          clearable
          miw={220}
        />
        <TextInput
          type="date"
          label={t("from")}
          value={from}
          onChange={(e) => setFrom(e.currentTarget.value)}
        />
        <TextInput
          type="date"
          label={t("to")}
          value={to}
          onChange={(e) => setTo(e.currentTarget.value)}
        />
      </Group>
      <ProblemAlert error={transactions.error} />
      {transactions.isLoading && <Text c="dimmed">{t("loading")}</Text>}
      {transactions.isSuccess && items.length === 0 && <Text>{t("transactions.empty")}</Text>}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={560}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("transactions.when")}</Table.Th>
                <Table.Th>{t("transactions.type")}</Table.Th>
                <Table.Th style={{ textAlign: "right" }}>{t("transactions.amount")}</Table.Th>
                <Table.Th>{t("transactions.details")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((item) => (
                <Table.Tr key={item.id} data-testid="transaction-row" data-kind={item.kind}>
                  <Table.Td>{new Date(item.created_at).toLocaleString(i18n.language)}</Table.Td>
                  <Table.Td>{t(`transactions.kinds.${item.kind}`)}</Table.Td>
                  <Table.Td style={{ textAlign: "right", fontVariantNumeric: "tabular-nums" }}>
                    {money(item.amount, item.currency, i18n.language)}
                  </Table.Td>
                  <Table.Td>
                    {[
                      item.memo,
                      item.country,
                      item.sender,
                      item.parts ? t("transactions.parts", { count: item.parts }) : null,
                    ]
                      .filter(Boolean)
                      .join(" · ")}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {transactions.hasNextPage && (
        <Button
          variant="light"
          onClick={() => transactions.fetchNextPage()}
          loading={transactions.isFetchingNextPage}
        >
          {t("more")}
        </Button>
      )}
    </Stack>
  );
}
