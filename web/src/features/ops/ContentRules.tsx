import {
  Button,
  Group,
  NativeSelect,
  Paper,
  Stack,
  Switch,
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
import { HeldForReview } from "./Reviews";

type Rule = Schemas["ContentRuleResponse"];
const CATEGORIES: Rule["category"][] = [
  "spam",
  "gambling",
  "alcohol",
  "tobacco",
  "phishing",
  "political",
  "shortener",
];
const KINDS: Rule["kind"][] = ["keyword", "regex"];
const ACTIONS: Rule["action"][] = ["block", "review"];
const KEY = ["ops", "content-rules"];

function NewRule() {
  const { t } = useTranslation(NS);
  const queryClient = useQueryClient();
  const [pattern, setPattern] = useState("");
  const [kind, setKind] = useState<Rule["kind"]>("keyword");
  const [category, setCategory] = useState<Rule["category"]>("spam");
  const [action, setAction] = useState<Rule["action"]>("block");
  const add = useMutation({
    mutationFn: () =>
      unwrap(api.POST("/v1/ops/content-rules", { body: { pattern, kind, category, action } })),
    onSuccess: () => {
      setPattern("");
      return queryClient.invalidateQueries({ queryKey: KEY });
    },
  });
  return (
    <Paper withBorder p="md">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          add.mutate();
        }}
      >
        <Stack>
          <ProblemAlert error={add.error} />
          <Group align="flex-end">
            <TextInput
              label={t("content.pattern")}
              value={pattern}
              onChange={(event) => setPattern(event.currentTarget.value)}
              error={fieldError(add.error, "pattern")}
              required
            />
            <NativeSelect
              label={t("content.kind")}
              value={kind}
              data={KINDS}
              onChange={(event) => setKind(event.currentTarget.value as Rule["kind"])}
            />
            <NativeSelect
              label={t("content.category")}
              value={category}
              data={CATEGORIES}
              onChange={(event) => setCategory(event.currentTarget.value as Rule["category"])}
            />
            <NativeSelect
              label={t("content.action")}
              value={action}
              data={ACTIONS}
              onChange={(event) => setAction(event.currentTarget.value as Rule["action"])}
            />
            <Button type="submit" loading={add.isPending}>
              {t("content.add")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}

function RuleRow({ rule }: { rule: Rule }) {
  const { t } = useTranslation(NS);
  const queryClient = useQueryClient();
  const path = { params: { path: { rule_id: rule.id } } };
  const refresh = () => queryClient.invalidateQueries({ queryKey: KEY });
  const toggle = useMutation({
    mutationFn: (enabled: boolean) =>
      unwrap(api.PATCH("/v1/ops/content-rules/{rule_id}", { ...path, body: { enabled } })),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE("/v1/ops/content-rules/{rule_id}", path)),
    onSuccess: refresh,
  });
  return (
    <Table.Tr>
      <Table.Td>
        <code>{rule.pattern}</code>
      </Table.Td>
      <Table.Td>{rule.kind}</Table.Td>
      <Table.Td>{rule.category}</Table.Td>
      <Table.Td>{rule.action}</Table.Td>
      <Table.Td>
        <Switch
          aria-label={`${t("content.enabled")}: ${rule.pattern}`}
          checked={rule.enabled}
          disabled={toggle.isPending}
          onChange={(event) => toggle.mutate(event.currentTarget.checked)}
        />
        <ProblemAlert error={toggle.error ?? remove.error} />
      </Table.Td>
      <Table.Td>
        <Button
          size="xs"
          color="red"
          variant="subtle"
          loading={remove.isPending}
          onClick={() => remove.mutate()}
        >
          {t("content.delete")}
        </Button>
      </Table.Td>
    </Table.Tr>
  );
}

function Hits() {
  const { t, i18n } = useTranslation(NS);
  const hits = useQuery({
    queryKey: ["ops", "content-hits"],
    queryFn: () => unwrap(api.GET("/v1/ops/content-hits", { params: { query: { limit: 50 } } })),
  });
  const clear = useMutation({
    mutationFn: (account_id: string) =>
      unwrap(
        api.POST("/v1/ops/content-hits/{account_id}/clear", {
          params: { path: { account_id } },
        }),
      ),
  });
  const items = hits.data?.items ?? [];
  return (
    <Stack>
      <Title order={2} size="h3">
        {t("content.hits")}
      </Title>
      <ProblemAlert error={hits.error ?? clear.error} />
      {clear.isSuccess && (
        <Text c="green" role="status">
          {t("content.cleared")}
        </Text>
      )}
      {hits.isSuccess && items.length === 0 && <Text>{t("content.hitsEmpty")}</Text>}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={560}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("content.at")}</Table.Th>
                <Table.Th>{t("content.account")}</Table.Th>
                <Table.Th>{t("content.category")}</Table.Th>
                <Table.Th>{t("content.action")}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((hit) => (
                <Table.Tr key={hit.id}>
                  <Table.Td>{new Date(hit.at).toLocaleString(i18n.language)}</Table.Td>
                  <Table.Td>
                    <code>{hit.account_id}</code>
                  </Table.Td>
                  <Table.Td>{hit.category}</Table.Td>
                  <Table.Td>{hit.action}</Table.Td>
                  <Table.Td>
                    <Button
                      size="xs"
                      variant="light"
                      loading={clear.isPending && clear.variables === hit.account_id}
                      onClick={() => clear.mutate(hit.account_id)}
                    >
                      {t("content.clear")}
                    </Button>
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

export function OpsContentRules() {
  const { t } = useTranslation(NS);
  const rules = useQuery({
    queryKey: KEY,
    queryFn: () => unwrap(api.GET("/v1/ops/content-rules")),
  });
  const items = rules.data?.items ?? [];
  return (
    <Stack>
      <Title order={1} size="h2">
        {t("content.title")}
      </Title>
      <NewRule />
      <ProblemAlert error={rules.error} />
      {rules.isLoading && <Text c="dimmed">{t("loading")}</Text>}
      {rules.isSuccess && items.length === 0 && <Text>{t("content.empty")}</Text>}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={560}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("content.pattern")}</Table.Th>
                <Table.Th>{t("content.kind")}</Table.Th>
                <Table.Th>{t("content.category")}</Table.Th>
                <Table.Th>{t("content.action")}</Table.Th>
                <Table.Th>{t("content.enabled")}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((rule) => (
                <RuleRow key={rule.id} rule={rule} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <HeldForReview />
      <Hits />
    </Stack>
  );
}
