import {
  Badge,
  Button,
  Card,
  Group,
  Modal,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type Schemas, unwrap } from "../../api/client";
import { fieldError, ProblemAlert } from "../../components/ProblemAlert";
import { NS } from "./i18n";
import { ScheduleVersion } from "./ScheduleVersion";

type Tariff = Schemas["TariffResponse"];
type Version = Schemas["VersionSummary"];

/** Which of a tariff's versions prices messages now: the latest that has started. Later ones
 * are scheduled; earlier ones are history. */
export function versionStates(
  versions: Version[],
  now = Date.now(),
): Record<string, "scheduled" | "current" | "past"> {
  const started = versions.filter((v) => Date.parse(v.effective_from) <= now);
  const current = started.reduce<Version | undefined>(
    (latest, v) =>
      !latest || Date.parse(v.effective_from) > Date.parse(latest.effective_from) ? v : latest,
    undefined,
  );
  return Object.fromEntries(
    versions.map((v) => [
      v.id,
      Date.parse(v.effective_from) > now ? "scheduled" : v.id === current?.id ? "current" : "past",
    ]),
  );
}

const STATE_COLORS = { scheduled: "blue", current: "green", past: "gray" } as const;

function Prices({
  tariff,
  version,
  onClose,
}: {
  tariff: Tariff;
  version: Version;
  onClose: () => void;
}) {
  const { t } = useTranslation(NS);
  const prices = useQuery({
    queryKey: ["ops", "tariffs", tariff.id, version.id],
    queryFn: () =>
      unwrap(
        api.GET("/v1/ops/tariffs/{tariff_id}/versions/{version_id}", {
          params: { path: { tariff_id: tariff.id, version_id: version.id } },
        }),
      ),
  });
  return (
    <Modal
      opened
      onClose={onClose}
      title={t("tariffs.pricesTitle", { name: tariff.name })}
      closeButtonProps={{ "aria-label": t("close") }}
    >
      <ProblemAlert error={prices.error} />
      {prices.isLoading && <Text c="dimmed">{t("loading")}</Text>}
      {prices.data && (
        <Table data-testid="ops-tariff-prices">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("tariffs.prefix")}</Table.Th>
              <Table.Th style={{ textAlign: "right" }}>
                {t("tariffs.price")} ({tariff.currency})
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {prices.data.prices.map((price) => (
              <Table.Tr key={price.prefix}>
                <Table.Td>{price.prefix}</Table.Td>
                <Table.Td style={{ textAlign: "right" }}>{price.price_per_part}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Modal>
  );
}

/** An account's own price plan (or the public tariff, when there is none yet). */
function CreateTariff() {
  const { t } = useTranslation(NS);
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [currency, setCurrency] = useState("EUR");
  const [account, setAccount] = useState("");
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/v1/ops/tariffs", {
          body: { name, currency, account_id: account.trim() || null },
        }),
      ),
    onSuccess: () => {
      setName("");
      setAccount("");
      return queryClient.invalidateQueries({ queryKey: ["ops", "tariffs"] });
    },
  });
  return (
    <Card withBorder component="section" aria-labelledby="new-tariff">
      <Title order={2} size="h4" id="new-tariff">
        {t("tariffs.create")}
      </Title>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate();
        }}
      >
        <Stack gap="xs" mt="xs">
          <ProblemAlert error={create.error} />
          <Group align="flex-start">
            <TextInput
              label={t("tariffs.name")}
              value={name}
              onChange={(event) => setName(event.currentTarget.value)}
              error={fieldError(create.error, "name")}
              required
            />
            <TextInput
              label={t("tariffs.currency")}
              value={currency}
              onChange={(event) => setCurrency(event.currentTarget.value.toUpperCase())}
              error={fieldError(create.error, "currency")}
              maxLength={3}
              w={90}
              required
            />
            <TextInput
              label={t("tariffs.account")}
              description={t("tariffs.accountHint")}
              value={account}
              onChange={(event) => setAccount(event.currentTarget.value)}
              error={fieldError(create.error, "account_id")}
              miw={300}
            />
          </Group>
          <Group>
            <Button type="submit" loading={create.isPending} disabled={!name.trim()}>
              {t("tariffs.createButton")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

/** Every tariff and its versions: the current one, those scheduled ahead and the past ones,
 * each version's prices, and a new version scheduled from a CSV file or a form. */
export function OpsTariffs() {
  const { t, i18n } = useTranslation(NS);
  const [scheduling, setScheduling] = useState<Tariff | null>(null);
  const [viewing, setViewing] = useState<{ tariff: Tariff; version: Version } | null>(null);
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
      {items.map((tariff) => {
        const states = versionStates(tariff.versions);
        return (
          <Card key={tariff.id} withBorder data-testid="ops-tariff">
            <Group justify="space-between">
              <Title order={2} size="h4">
                {tariff.name}{" "}
                <Badge variant="light">{tariff.account_id ?? t("tariffs.public")}</Badge>{" "}
                <Badge variant="outline">{tariff.currency}</Badge>
              </Title>
              <Button size="xs" onClick={() => setScheduling(tariff)}>
                {t("tariffs.schedule")}
              </Button>
            </Group>
            {tariff.versions.length === 0 && (
              <Text size="sm" c="dimmed" mt="xs">
                {t("tariffs.noVersions")}
              </Text>
            )}
            {tariff.versions.length > 0 && (
              <Table.ScrollContainer minWidth={560}>
                <Table mt="xs">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>{t("tariffs.effective")}</Table.Th>
                      <Table.Th>{t("tariffs.versionState")}</Table.Th>
                      <Table.Th>{t("tariffs.prices")}</Table.Th>
                      <Table.Th>{t("tariffs.by")}</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {tariff.versions.map((version) => {
                      const state = states[version.id] ?? "past";
                      return (
                        <Table.Tr
                          key={version.id}
                          data-testid="ops-tariff-version"
                          data-state={state}
                        >
                          <Table.Td>{when(version.effective_from)}</Table.Td>
                          <Table.Td>
                            <Badge color={STATE_COLORS[state]} variant="light">
                              {t(`tariffs.versionStates.${state}`)}
                            </Badge>
                          </Table.Td>
                          <Table.Td>
                            <Button
                              size="compact-xs"
                              variant="subtle"
                              onClick={() => setViewing({ tariff, version })}
                            >
                              {t("tariffs.pricesCount", { count: version.prices })}
                            </Button>
                          </Table.Td>
                          <Table.Td>{version.created_by}</Table.Td>
                        </Table.Tr>
                      );
                    })}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )}
          </Card>
        );
      })}
      {tariffs.isSuccess && <CreateTariff />}
      {scheduling && <ScheduleVersion tariff={scheduling} onClose={() => setScheduling(null)} />}
      {viewing && <Prices {...viewing} onClose={() => setViewing(null)} />}
    </Stack>
  );
}
