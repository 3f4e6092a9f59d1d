import { Badge, Card, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../../api/client";
import { ProblemAlert } from "../../components/ProblemAlert";
import { NS } from "./i18n";

/** Every tariff and its versions (read-only here; prices are uploaded through the API). */
export function OpsTariffs() {
  const { t, i18n } = useTranslation(NS);
  const tariffs = useQuery({
    queryKey: ["ops", "tariffs"],
    queryFn: () => unwrap(api.GET("/v1/ops/tariffs")),
  });
  const items = tariffs.data?.items ?? [];
  const when = (at: string) => new Date(at).toLocaleString(i18n.language);
  return (
    <Stack>
      <Title order={1} size="h2">
        {t("tariffs.title")}
      </Title>
      <ProblemAlert error={tariffs.error} />
      {tariffs.isLoading && <Text c="dimmed">{t("loading")}</Text>}
      {tariffs.isSuccess && items.length === 0 && <Text>{t("tariffs.empty")}</Text>}
      {items.map((tariff) => (
        <Card key={tariff.id} withBorder>
          <Title order={2} size="h4">
            {tariff.name} <Badge variant="light">{tariff.account_id ?? t("tariffs.public")}</Badge>{" "}
            <Badge variant="outline">{tariff.currency}</Badge>
          </Title>
          <Table.ScrollContainer minWidth={480}>
            <Table mt="xs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("tariffs.effective")}</Table.Th>
                  <Table.Th>{t("tariffs.prices")}</Table.Th>
                  <Table.Th>{t("tariffs.by")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {tariff.versions.map((version) => (
                  <Table.Tr key={version.id}>
                    <Table.Td>{when(version.effective_from)}</Table.Td>
                    <Table.Td>{version.prices}</Table.Td>
                    <Table.Td>{version.created_by}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Card>
      ))}
    </Stack>
  );
}
