import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Code,
  CopyButton,
  Group,
  Modal,
  Paper,
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

type Scope = Schemas["ApiKeyCreate"]["scopes"][number];
type Key = Schemas["ApiKeyResponse"];
export const SCOPES: Scope[] = [
  "*",
  "messages:send",
  "messages:read",
  "contacts:write",
  "contacts:read",
  "billing:read",
];

/** i18next reads ":" as a namespace separator, so the catalogue's keys spell scopes with "_". */
export function scopeKey(scope: string): string {
  return scope === "*" ? "all" : scope.replace(":", "_");
}

function CreateKey() {
  const { t } = useTranslation(NS);
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<Scope[]>(["messages:send", "messages:read"]);
  const create = useMutation({
    mutationFn: () => unwrap(api.POST("/v1/api-keys", { body: { name, scopes } })),
    onSuccess: () => {
      setName("");
      return queryClient.invalidateQueries({ queryKey: ["api-keys"] });
    },
  });
  return (
    <Paper withBorder p="md">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate();
        }}
      >
        <Stack>
          <Title order={2} size="h4">
            {t("creating")}
          </Title>
          <ProblemAlert error={create.error} />
          <TextInput
            label={t("name")}
            value={name}
            onChange={(event) => setName(event.currentTarget.value)}
            error={fieldError(create.error, "name")}
            required
            maxLength={100}
          />
          <Checkbox.Group
            label={t("scopes")}
            value={scopes}
            onChange={(value) => setScopes(value as Scope[])}
            error={fieldError(create.error, "scopes")}
          >
            <Group mt="xs">
              {SCOPES.map((scope) => (
                <Checkbox key={scope} value={scope} label={t(`scope.${scopeKey(scope)}`)} />
              ))}
            </Group>
          </Checkbox.Group>
          <Group>
            <Button type="submit" loading={create.isPending} disabled={scopes.length === 0}>
              {t("create")}
            </Button>
          </Group>
        </Stack>
      </form>
      <Modal
        opened={create.data !== undefined}
        onClose={() => create.reset()}
        title={create.data?.name}
        closeOnClickOutside={false}
      >
        <Stack>
          <Alert color="yellow">{t("secretOnce")}</Alert>
          <Text size="sm" fw={500}>
            {t("secret")}
          </Text>
          <Code block data-testid="api-key-secret">
            {create.data?.secret}
          </Code>
          <Group>
            <CopyButton value={create.data?.secret ?? ""}>
              {({ copied, copy }) => (
                <Button variant="light" color={copied ? "teal" : "blue"} onClick={copy}>
                  {copied ? t("copied") : t("copy")}
                </Button>
              )}
            </CopyButton>
            <Button onClick={() => create.reset()}>{t("done")}</Button>
          </Group>
        </Stack>
      </Modal>
    </Paper>
  );
}

function RevokeKey({ apiKey }: { apiKey: Key }) {
  const { t } = useTranslation(NS);
  const queryClient = useQueryClient();
  const [asking, setAsking] = useState(false);
  const revoke = useMutation({
    mutationFn: () =>
      unwrap(api.DELETE("/v1/api-keys/{key_id}", { params: { path: { key_id: apiKey.id } } })),
    onSuccess: () => {
      setAsking(false);
      return queryClient.invalidateQueries({ queryKey: ["api-keys"] });
    },
  });
  return (
    <>
      <Button size="xs" color="red" variant="light" onClick={() => setAsking(true)}>
        {t("revoke")}
      </Button>
      <Modal opened={asking} onClose={() => setAsking(false)} title={t("revoke")}>
        <Stack>
          <Text>{t("revokeConfirm", { name: apiKey.name })}</Text>
          <ProblemAlert error={revoke.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setAsking(false)}>
              {t("cancel")}
            </Button>
            <Button color="red" loading={revoke.isPending} onClick={() => revoke.mutate()}>
              {t("revoke")}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

export function ApiKeys() {
  const { t, i18n } = useTranslation(NS);
  const keys = useQuery({
    queryKey: ["api-keys"],
    queryFn: () => unwrap(api.GET("/v1/api-keys")),
  });
  const when = (at: string | null) =>
    at ? new Date(at).toLocaleString(i18n.language) : t("never");
  const items = keys.data?.items ?? [];
  return (
    <Stack>
      <Title order={1} size="h2">
        {t("title")}
      </Title>
      <Text size="sm">{t("intro")}</Text>
      <CreateKey />
      <ProblemAlert error={keys.error} />
      {keys.isLoading && <Text c="dimmed">…</Text>}
      {keys.isSuccess && items.length === 0 && <Text>{t("empty")}</Text>}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={560}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("name")}</Table.Th>
                <Table.Th>{t("prefix")}</Table.Th>
                <Table.Th>{t("scopes")}</Table.Th>
                <Table.Th>{t("created")}</Table.Th>
                <Table.Th>{t("lastUsed")}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((key) => (
                <Table.Tr key={key.id} data-testid="api-key-row">
                  <Table.Td>{key.name}</Table.Td>
                  <Table.Td>
                    <Code>{key.prefix}…</Code>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {key.scopes.map((scope) => (
                        <Badge key={scope} variant="light" size="sm">
                          {scope}
                        </Badge>
                      ))}
                    </Group>
                  </Table.Td>
                  <Table.Td>{when(key.created_at)}</Table.Td>
                  <Table.Td>{when(key.last_used_at)}</Table.Td>
                  <Table.Td>
                    <RevokeKey apiKey={key} />
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
