import { Badge, Card, Group, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, type Schemas, unwrap } from "../../api/client";
import { ProblemAlert } from "../../components/ProblemAlert";
import { NS } from "./i18n";

type Link = Schemas["SmscLinkHealth"];
const COLORS: Record<Link["state"], string> = {
  up: "green",
  degraded: "yellow",
  down: "red",
  unknown: "gray",
};

function LinkCard({ link }: { link: Link }) {
  const { t, i18n } = useTranslation(NS);
  const figure = (label: string, value: number | string | null | undefined) => (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={600}>{value ?? "—"}</Text>
    </div>
  );
  return (
    <Card withBorder data-testid="smsc-connection" data-state={link.state}>
      <Group justify="space-between">
        <Text fw={700}>{link.name}</Text>
        <Badge color={COLORS[link.state]}>{t(`smsc.states.${link.state}`)}</Badge>
      </Group>
      <Text size="sm" c="dimmed">
        {link.host}:{link.port}
        {link.tls ? " · TLS" : ""}
      </Text>
      <SimpleGrid cols={3} mt="sm">
        {figure(t("smsc.binds"), `${link.bound_binds ?? "?"} / ${link.binds}`)}
        {figure(t("smsc.inFlight"), link.in_flight)}
        {figure(t("smsc.queued"), link.queued)}
        {figure(t("smsc.circuit"), link.circuit)}
        {figure(
          t("smsc.reported"),
          link.reported_at ? new Date(link.reported_at).toLocaleTimeString(i18n.language) : null,
        )}
      </SimpleGrid>
      {link.last_error && (
        <Text size="sm" c="red" mt="xs">
          {t("smsc.lastError")}: {link.last_error}
          {link.last_error_at
            ? ` (${new Date(link.last_error_at).toLocaleString(i18n.language)})`
            : ""}
        </Text>
      )}
    </Card>
  );
}

export function OpsSmsc() {
  const { t } = useTranslation(NS);
  const overview = useQuery({
    queryKey: ["ops", "smsc"],
    queryFn: () => unwrap(api.GET("/v1/ops/smsc")),
    refetchInterval: 5000,
  });
  const data = overview.data;
  return (
    <Stack>
      <Title order={1} size="h2">
        {t("smsc.title")}
      </Title>
      <Text size="sm" c="dimmed">
        {t("smsc.refreshed")}
      </Text>
      <ProblemAlert error={overview.error} />
      {overview.isLoading && <Text c="dimmed">{t("loading")}</Text>}
      {data && data.connections.length === 0 && <Text>{t("smsc.empty")}</Text>}
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        {data?.connections.map((link) => (
          <LinkCard key={link.name} link={link} />
        ))}
      </SimpleGrid>
      {data && data.routes.length > 0 && (
        <>
          <Title order={2} size="h3">
            {t("smsc.routes")}
          </Title>
          <Table.ScrollContainer minWidth={320}>
            <Table striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("smsc.destinations")}</Table.Th>
                  <Table.Th>{t("smsc.hops")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.routes.map((route) => (
                  <Table.Tr key={route.destinations}>
                    <Table.Td>{route.destinations}</Table.Td>
                    <Table.Td>
                      {route.connections
                        .map((hop) => `${hop.connection} (${hop.rank ?? "—"}, ${hop.weight ?? 1})`)
                        .join(", ")}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </>
      )}
    </Stack>
  );
}
