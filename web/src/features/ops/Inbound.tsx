import {
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
import { useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import { ProblemAlert } from "../../components/ProblemAlert";
import { NS } from "./i18n";

const PAGE = 50;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Inbound SMS of every account, to trace where an MO went (its number, the SMSC link, the
 * owner, or none) and whether it arrived whole. Operators never see message texts (issue 12):
 * the console shows none, though the API answers them; an opt-out keyword is shown, as it
 * changed the sender's consent. */
export function OpsInbound() {
  const { t, i18n } = useTranslation(NS);
  // Opened from an account's row (Accounts): that account, filled in.
  const [params] = useSearchParams();
  const [account, setAccount] = useState(params.get("account") ?? "");
  const [number, setNumber] = useState("");
  const [unowned, setUnowned] = useState(false);
  const [debouncedAccount] = useDebouncedValue(account.trim(), 300);
  const [debouncedNumber] = useDebouncedValue(number.trim(), 300);
  // Only a whole id filters: a half-typed one would be a 422 on every key stroke.
  const accountId = UUID.test(debouncedAccount) ? debouncedAccount : undefined;
  const inbound = useInfiniteQuery({
    queryKey: ["ops", "inbound", accountId, debouncedNumber, unowned],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/v1/ops/inbound", {
          params: {
            query: {
              account_id: unowned ? undefined : accountId,
              number: debouncedNumber || undefined,
              unowned: unowned || undefined,
              cursor: pageParam,
              limit: PAGE,
            },
          },
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const items = inbound.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <Stack>
      <Title order={1} size="h2">
        {t("inbound.title")}
      </Title>
      <Group align="flex-end">
        <TextInput
          label={t("inbound.account")}
          type="search"
          value={account}
          onChange={(event) => setAccount(event.currentTarget.value)}
          disabled={unowned}
          miw={320}
        />
        <TextInput
          label={t("inbound.number")}
          type="search"
          value={number}
          onChange={(event) => setNumber(event.currentTarget.value)}
        />
        <Checkbox
          label={t("inbound.unowned")}
          checked={unowned}
          onChange={(event) => setUnowned(event.currentTarget.checked)}
          mb={8}
        />
      </Group>
      <ProblemAlert error={inbound.error} />
      {inbound.isLoading && <Text c="dimmed">{t("loading")}</Text>}
      {inbound.isSuccess && items.length === 0 && <Text>{t("inbound.empty")}</Text>}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={900}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("inbound.received")}</Table.Th>
                <Table.Th>{t("inbound.from")}</Table.Th>
                <Table.Th>{t("inbound.to")}</Table.Th>
                <Table.Th>{t("inbound.owner")}</Table.Th>
                <Table.Th>{t("inbound.smsc")}</Table.Th>
                <Table.Th>{t("inbound.parts")}</Table.Th>
                <Table.Th>{t("inbound.flags")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((item) => (
                <Table.Tr key={item.id} data-testid="ops-inbound-row">
                  <Table.Td>{new Date(item.received_at).toLocaleString(i18n.language)}</Table.Td>
                  <Table.Td ff="monospace">{item.from}</Table.Td>
                  <Table.Td ff="monospace">{item.to}</Table.Td>
                  <Table.Td>
                    {item.account_id ? (
                      <Text size="xs" ff="monospace">
                        {item.account_id}
                      </Text>
                    ) : (
                      <Badge color="orange" variant="light">
                        {t("inbound.nobody")}
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>{item.smsc}</Table.Td>
                  <Table.Td>{item.parts}</Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {item.keyword && <Badge variant="outline">{item.keyword}</Badge>}
                      {item.incomplete && (
                        <Badge color="yellow" variant="light">
                          {t("inbound.incomplete")}
                        </Badge>
                      )}
                      {item.malformed && (
                        <Badge color="red" variant="light">
                          {t("inbound.malformed")}
                        </Badge>
                      )}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {inbound.hasNextPage && (
        <Group>
          <Button
            variant="default"
            loading={inbound.isFetchingNextPage}
            onClick={() => inbound.fetchNextPage()}
          >
            {t("more")}
          </Button>
        </Group>
      )}
    </Stack>
  );
}
