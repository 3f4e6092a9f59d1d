import { Badge, Button, Card, Group, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import { fieldError, ProblemAlert } from "../../components/ProblemAlert";
import { NS } from "./i18n";

const PAGE = 100;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Inbound numbers: virtual long numbers and short codes, each assigned to the account whose
 * MO messages it receives; assign one, or unassign it (messages received stay with the account). */
export function OpsNumbers() {
  const { t, i18n } = useTranslation(NS);
  const queryClient = useQueryClient();
  // Opened from an account's row (Accounts): its numbers, and the form to assign it one.
  const [params] = useSearchParams();
  const [filter, setFilter] = useState(params.get("account") ?? "");
  const [debounced] = useDebouncedValue(filter.trim(), 300);
  const [number, setNumber] = useState("");
  const [account, setAccount] = useState(params.get("account") ?? "");
  // Only a whole id filters: a half-typed one would be a 422 on every key stroke.
  const accountId = UUID.test(debounced) ? debounced : undefined;
  const numbers = useInfiniteQuery({
    queryKey: ["ops", "numbers", accountId],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/v1/ops/numbers", {
          params: { query: { account_id: accountId, after: pageParam, limit: PAGE } },
        }),
      ),
    getNextPageParam: (last) =>
      last.items.length === PAGE ? last.items[last.items.length - 1]?.number : undefined,
  });
  const done = () => queryClient.invalidateQueries({ queryKey: ["ops", "numbers"] });
  const assign = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/v1/ops/numbers", {
          body: { number: number.trim(), account_id: account.trim() },
        }),
      ),
    onSuccess: () => {
      setNumber("");
      return done();
    },
  });
  const unassign = useMutation({
    mutationFn: (value: string) =>
      unwrap(api.DELETE("/v1/ops/numbers/{number}", { params: { path: { number: value } } })),
    onSuccess: done,
  });
  const items = numbers.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <Stack>
      <Title order={1} size="h2">
        {t("numbers.title")}
      </Title>
      <Card withBorder component="section" aria-labelledby="assign-number">
        <Title order={2} size="h4" id="assign-number">
          {t("numbers.assign")}
        </Title>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            assign.mutate();
          }}
        >
          <Stack gap="xs" mt="xs">
            <ProblemAlert error={assign.error} />
            <Group align="flex-start">
              <TextInput
                label={t("numbers.number")}
                description={t("numbers.numberHint")}
                value={number}
                onChange={(event) => setNumber(event.currentTarget.value)}
                error={fieldError(assign.error, "number")}
                required
              />
              <TextInput
                label={t("numbers.account")}
                value={account}
                onChange={(event) => setAccount(event.currentTarget.value)}
                error={fieldError(assign.error, "account_id")}
                miw={320}
                required
              />
            </Group>
            <Group>
              <Button type="submit" loading={assign.isPending}>
                {t("numbers.assignButton")}
              </Button>
            </Group>
          </Stack>
        </form>
      </Card>
      <TextInput
        label={t("numbers.filter")}
        type="search"
        value={filter}
        onChange={(event) => setFilter(event.currentTarget.value)}
        maw={420}
      />
      <ProblemAlert error={numbers.error ?? unassign.error} />
      {numbers.isLoading && <Text c="dimmed">{t("loading")}</Text>}
      {numbers.isSuccess && items.length === 0 && <Text>{t("numbers.empty")}</Text>}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={640}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("numbers.number")}</Table.Th>
                <Table.Th>{t("numbers.kind")}</Table.Th>
                <Table.Th>{t("numbers.account")}</Table.Th>
                <Table.Th>{t("numbers.assigned")}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((item) => (
                <Table.Tr key={item.number} data-testid="ops-number-row">
                  <Table.Td ff="monospace">{item.number}</Table.Td>
                  <Table.Td>
                    <Badge variant="light">{t(`numbers.kinds.${item.kind}`)}</Badge>
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs" ff="monospace">
                      {item.account_id}
                    </Text>
                  </Table.Td>
                  <Table.Td>{new Date(item.assigned_at).toLocaleString(i18n.language)}</Table.Td>
                  <Table.Td>
                    <Button
                      size="xs"
                      color="red"
                      variant="light"
                      loading={unassign.isPending && unassign.variables === item.number}
                      onClick={() => unassign.mutate(item.number)}
                    >
                      {t("numbers.unassign")}
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {numbers.hasNextPage && (
        <Group>
          <Button
            variant="default"
            loading={numbers.isFetchingNextPage}
            onClick={() => numbers.fetchNextPage()}
          >
            {t("more")}
          </Button>
        </Group>
      )}
    </Stack>
  );
}
