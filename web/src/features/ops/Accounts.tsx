import {
  Alert,
  Anchor,
  Badge,
  Button,
  Checkbox,
  Group,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import {
  keepPreviousData,
  useInfiniteQuery,
  useMutation,
  useQueryClient,
} from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { api, type Schemas, unwrap } from "../../api/client";
import { ProblemAlert } from "../../components/ProblemAlert";
import { NS } from "./i18n";
import { ReasonModal } from "./ReasonModal";

type Account = Schemas["OpsAccount"];
type WithReason = "block" | "suspend";
type Without = "unblock" | "reinstate";
const COLORS: Record<Account["state"], string> = {
  active: "green",
  suspended: "orange",
  blocked: "red",
  closed: "gray",
};

/** Which state changes the auth service allows from each state (auth_service/states/service.py). */
export function actionsFor(state: Account["state"]): (WithReason | Without)[] {
  switch (state) {
    case "active":
      return ["suspend", "block"];
    case "suspended":
      return ["reinstate", "block"];
    case "blocked":
      return ["unblock"];
    case "closed":
      return ["block"];
  }
}

function Actions({ account }: { account: Account }) {
  const { t } = useTranslation(NS);
  const queryClient = useQueryClient();
  const [asking, setAsking] = useState<WithReason | null>(null);
  const path = { params: { path: { account_id: account.id } } };
  const change = useMutation({
    mutationFn: ({ action, reason }: { action: WithReason | Without; reason?: string }) => {
      const body = { reason: reason ?? "" };
      switch (action) {
        case "block":
          return unwrap(api.POST("/v1/ops/accounts/{account_id}/block", { ...path, body }));
        case "suspend":
          return unwrap(api.POST("/v1/ops/accounts/{account_id}/suspend", { ...path, body }));
        case "unblock":
          return unwrap(api.POST("/v1/ops/accounts/{account_id}/unblock", path));
        case "reinstate":
          return unwrap(api.POST("/v1/ops/accounts/{account_id}/reinstate", path));
      }
    },
    onSuccess: () => {
      setAsking(null);
      return queryClient.invalidateQueries({ queryKey: ["ops", "accounts"] });
    },
  });
  return (
    <Stack gap={4}>
      <Group gap="xs" wrap="nowrap">
        {actionsFor(account.state).map((action) => (
          <Button
            key={action}
            size="xs"
            variant="light"
            color={action === "block" ? "red" : action === "suspend" ? "orange" : "green"}
            loading={change.isPending && change.variables?.action === action}
            onClick={() =>
              action === "block" || action === "suspend"
                ? setAsking(action)
                : change.mutate({ action })
            }
          >
            {t(`accounts.${action}`)}
          </Button>
        ))}
      </Group>
      {asking === null && <ProblemAlert error={change.error} />}
      <ReasonModal
        opened={asking !== null}
        title={t("accounts.actionTitle", {
          action: asking ? t(`accounts.${asking}`) : "",
          company: account.company_name,
        })}
        hint={t("senders.reasonHint")}
        pending={change.isPending}
        error={change.error}
        onClose={() => setAsking(null)}
        onConfirm={(reason) => asking && change.mutate({ action: asking, reason })}
      />
    </Stack>
  );
}

/** The console's other screens about one account, opened with it filled in. */
function AccountLinks({ accountId }: { accountId: string }) {
  const { t } = useTranslation(NS);
  const screens = ["destinations", "penalties", "numbers", "inbound"] as const;
  return (
    <Group gap="xs">
      {screens.map((screen) => (
        <Anchor key={screen} component={Link} to={`/ops/${screen}?account=${accountId}`} size="xs">
          {t(`accounts.links.${screen}`)}
        </Anchor>
      ))}
    </Group>
  );
}

function BulkMailing({ selected, onDone }: { selected: string[]; onDone: () => void }) {
  const { t } = useTranslation(NS);
  // One PUT per account: the API decides per account and records each in its audit log.
  const bulk = useMutation({
    mutationFn: async (enabled: boolean) => {
      for (const account_id of selected) {
        await unwrap(
          api.PUT("/v1/ops/bulk-permissions/{account_id}", {
            params: { path: { account_id } },
            body: { enabled },
          }),
        );
      }
      return selected.length;
    },
    onSuccess: onDone,
  });
  return (
    <Stack gap="xs">
      <Group>
        <Text size="sm">{t("accounts.selected", { count: selected.length })}</Text>
        <Button
          size="xs"
          disabled={selected.length === 0}
          loading={bulk.isPending && bulk.variables}
          onClick={() => bulk.mutate(true)}
        >
          {t("accounts.bulkEnable")}
        </Button>
        <Button
          size="xs"
          variant="default"
          disabled={selected.length === 0}
          loading={bulk.isPending && !bulk.variables}
          onClick={() => bulk.mutate(false)}
        >
          {t("accounts.bulkDisable")}
        </Button>
      </Group>
      <ProblemAlert error={bulk.error} />
      {bulk.isSuccess && (
        <Alert color="green" role="status">
          {t("accounts.bulkDone", { count: bulk.data })}
        </Alert>
      )}
    </Stack>
  );
}

export function OpsAccounts() {
  const { t, i18n } = useTranslation(NS);
  const [query, setQuery] = useState("");
  const [debounced] = useDebouncedValue(query.trim(), 300);
  const [selected, setSelected] = useState<string[]>([]);
  const accounts = useInfiniteQuery({
    queryKey: ["ops", "accounts", debounced],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/v1/ops/accounts", {
          params: { query: { query: debounced || undefined, limit: 50, cursor: pageParam } },
        }),
      ),
    getNextPageParam: (page) => page.next_cursor ?? undefined,
    // While a new search loads, the rows found so far stay: an open reason dialog in one of
    // them must not vanish under the operator's hands.
    placeholderData: keepPreviousData,
  });
  const items = accounts.data?.pages.flatMap((page) => page.items) ?? [];
  const toggle = (id: string, on: boolean) =>
    setSelected((current) => (on ? [...current, id] : current.filter((x) => x !== id)));
  return (
    <Stack>
      <Title order={1} size="h2">
        {t("accounts.title")}
      </Title>
      <TextInput
        label={t("accounts.search")}
        type="search"
        value={query}
        onChange={(event) => setQuery(event.currentTarget.value)}
        maxLength={320}
      />
      <BulkMailing selected={selected} onDone={() => setSelected([])} />
      <ProblemAlert error={accounts.error} />
      {accounts.isLoading && <Text c="dimmed">{t("loading")}</Text>}
      {accounts.isSuccess && items.length === 0 && <Text>{t("accounts.empty")}</Text>}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={720}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th />
                <Table.Th>{t("accounts.company")}</Table.Th>
                <Table.Th>{t("accounts.email")}</Table.Th>
                <Table.Th>{t("accounts.created")}</Table.Th>
                <Table.Th>{t("accounts.state")}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((account) => (
                <Table.Tr key={account.id} data-testid="ops-account-row">
                  <Table.Td>
                    <Checkbox
                      aria-label={t("accounts.select", { company: account.company_name })}
                      checked={selected.includes(account.id)}
                      onChange={(event) => toggle(account.id, event.currentTarget.checked)}
                    />
                  </Table.Td>
                  <Table.Td>
                    <Text fw={600}>{account.company_name}</Text>
                    <Text size="xs" c="dimmed">
                      {account.id}
                    </Text>
                    <AccountLinks accountId={account.id} />
                  </Table.Td>
                  <Table.Td>
                    {account.contact_email ?? "—"}
                    <Group gap={4}>
                      {account.trial && (
                        <Badge size="xs" variant="light">
                          {t("accounts.trial")}
                        </Badge>
                      )}
                      {account.email_verified && (
                        <Badge size="xs" variant="light" color="green">
                          {t("accounts.verified")}
                        </Badge>
                      )}
                    </Group>
                  </Table.Td>
                  <Table.Td>{new Date(account.created_at).toLocaleString(i18n.language)}</Table.Td>
                  <Table.Td>
                    <Badge color={COLORS[account.state]} data-state={account.state}>
                      {t(`accounts.states.${account.state}`)}
                    </Badge>
                    {account.state_reason && (
                      <Text size="xs" c="dimmed">
                        {account.state_reason}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Actions account={account} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {accounts.hasNextPage && (
        <Button
          variant="light"
          onClick={() => accounts.fetchNextPage()}
          loading={accounts.isFetchingNextPage}
        >
          {t("more")}
        </Button>
      )}
    </Stack>
  );
}
