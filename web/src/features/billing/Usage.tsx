import { Button, Group, SegmentedControl, Stack, Table, Text, TextInput } from "@mantine/core";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type Schemas, unwrap } from "../../api/client";
import { ProblemAlert } from "../../components/ProblemAlert";
import { saveBlob } from "../files/download";
import { NS } from "./i18n";
import { LazyUsageChart } from "./LazyUsageChart";
import { dayRange, rangeFileName } from "./range";

type GroupBy = Schemas["UsageReport"]["group_by"];

export function Usage() {
  const { t } = useTranslation(NS);
  const [groupBy, setGroupBy] = useState<GroupBy>("day");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const query = { group_by: groupBy, ...dayRange(from, to) };
  const usage = useQuery({
    queryKey: ["usage", groupBy, from, to],
    queryFn: () => unwrap(api.GET("/v1/billing/usage", { params: { query } })),
  });
  const csv = useMutation({
    mutationFn: () =>
      saveBlob(
        api.GET("/v1/billing/usage.csv", { params: { query }, parseAs: "blob" }),
        rangeFileName(`usage-${groupBy}`, from, to, "csv"),
      ),
  });
  const report = usage.data;
  const row = (r: Schemas["UsageRow"], label?: string) => (
    <>
      <Table.Td>{label ?? r.key}</Table.Td>
      <Table.Td>{r.messages}</Table.Td>
      <Table.Td>{r.parts}</Table.Td>
      <Table.Td>{r.refunded_parts}</Table.Td>
      <Table.Td style={{ textAlign: "right" }}>{r.amount}</Table.Td>
    </>
  );
  return (
    <Stack>
      <Group align="flex-end">
        <SegmentedControl
          aria-label={t("usage.groupBy")}
          value={groupBy}
          onChange={(value) => setGroupBy(value as GroupBy)}
          data={(["day", "country", "sender"] as const).map((value) => ({
            value,
            label: t(`usage.${value}`),
          }))}
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
        <Button variant="light" loading={csv.isPending} onClick={() => csv.mutate()}>
          {t("usage.csv")}
        </Button>
      </Group>
      <ProblemAlert error={usage.error ?? csv.error} />
      {usage.isLoading && <Text c="dimmed">{t("loading")}</Text>}
      {report && groupBy === "day" && <LazyUsageChart rows={report.rows} />}
      {report && report.rows.length === 0 && <Text>{t("usage.empty")}</Text>}
      {report && report.rows.length > 0 && (
        <Table.ScrollContainer minWidth={480}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t(`usage.${groupBy}`)}</Table.Th>
                <Table.Th>{t("usage.messages")}</Table.Th>
                <Table.Th>{t("usage.parts")}</Table.Th>
                <Table.Th>{t("usage.refunded")}</Table.Th>
                <Table.Th style={{ textAlign: "right" }}>
                  {t("usage.amount")} ({report.currency})
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {report.rows.map((r) => (
                <Table.Tr key={r.key} data-testid="usage-row">
                  {row(r)}
                </Table.Tr>
              ))}
            </Table.Tbody>
            <Table.Tfoot>
              <Table.Tr fw={700}>{row(report.total, t("usage.total"))}</Table.Tr>
            </Table.Tfoot>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
