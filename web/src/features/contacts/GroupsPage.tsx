import {
  Anchor,
  Button,
  Group,
  Loader,
  Paper,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { api, type Schemas, unwrap } from "../../api/client";
import { noContent } from "../../api/noContent";
import { fieldError, ProblemAlert } from "../../components/ProblemAlert";
import { NS } from "./i18n";
import { useGroups } from "./queries";

type ContactGroup = Schemas["GroupResponse"];

function GroupRow({ group }: { group: ContactGroup }) {
  const { t } = useTranslation(NS);
  const queryClient = useQueryClient();
  const [renaming, setRenaming] = useState(false);
  const [name, setName] = useState(group.name);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["contacts", "groups"] });
  const rename = useMutation({
    mutationFn: () =>
      unwrap(
        api.PATCH("/v1/contacts/groups/{group_id}", {
          params: { path: { group_id: group.id } },
          body: { name },
        }),
      ),
    onSuccess: async () => {
      await refresh();
      setRenaming(false);
    },
  });
  const remove = useMutation({
    mutationFn: () =>
      noContent(
        api.DELETE("/v1/contacts/groups/{group_id}", { params: { path: { group_id: group.id } } }),
      ),
    onSuccess: refresh,
  });
  return (
    <Table.Tr data-testid="group-row">
      <Table.Td>
        {renaming ? (
          <form
            onSubmit={(event) => {
              event.preventDefault();
              rename.mutate();
            }}
          >
            <Group gap="xs" align="flex-start">
              <TextInput
                size="xs"
                aria-label={t("groups.name")}
                value={name}
                onChange={(event) => setName(event.currentTarget.value)}
                error={
                  fieldError(rename.error, "name") ??
                  (rename.error ? rename.error.message : undefined)
                }
                maxLength={100}
                required
                autoFocus
              />
              <Button size="xs" type="submit" loading={rename.isPending}>
                {t("save")}
              </Button>
              <Button size="xs" variant="default" onClick={() => setRenaming(false)}>
                {t("cancel")}
              </Button>
            </Group>
          </form>
        ) : (
          <Anchor component={Link} to={`/contacts?group=${group.id}`}>
            {group.name}
          </Anchor>
        )}
      </Table.Td>
      <Table.Td>{group.member_count}</Table.Td>
      <Table.Td>
        <Group gap="xs" wrap="nowrap">
          {!renaming && (
            <Button size="xs" variant="light" onClick={() => setRenaming(true)}>
              {t("groups.rename")}
            </Button>
          )}
          <Button
            size="xs"
            variant="subtle"
            color="red"
            loading={remove.isPending}
            onClick={() => {
              if (window.confirm(t("groups.confirmDelete", { name: group.name }))) remove.mutate();
            }}
          >
            {t("groups.delete")}
          </Button>
        </Group>
        <ProblemAlert error={remove.error} />
      </Table.Td>
    </Table.Tr>
  );
}

export function GroupsPage() {
  const { t } = useTranslation(NS);
  const queryClient = useQueryClient();
  const groups = useGroups();
  const [name, setName] = useState("");
  const create = useMutation({
    mutationFn: () => unwrap(api.POST("/v1/contacts/groups", { body: { name } })),
    onSuccess: () => {
      setName("");
      return queryClient.invalidateQueries({ queryKey: ["contacts", "groups"] });
    },
  });
  const items = groups.data?.items ?? [];
  return (
    <Stack maw={900}>
      <Anchor component={Link} to="/contacts">
        {t("back")}
      </Anchor>
      <Title order={1} size="h2">
        {t("groups.title")}
      </Title>
      <Paper withBorder p="md">
        <form
          onSubmit={(event) => {
            event.preventDefault();
            create.mutate();
          }}
        >
          <Stack gap="xs">
            <ProblemAlert error={create.error} />
            <Group align="flex-end" gap="xs">
              <TextInput
                label={t("groups.new")}
                placeholder={t("groups.name")}
                value={name}
                onChange={(event) => setName(event.currentTarget.value)}
                error={fieldError(create.error, "name")}
                maxLength={100}
                required
              />
              <Button type="submit" loading={create.isPending}>
                {t("groups.create")}
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>
      <ProblemAlert error={groups.error} />
      {groups.isPending && <Loader aria-label="loading" />}
      {groups.isSuccess && items.length === 0 && <Text>{t("groups.empty")}</Text>}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={600}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("groups.name")}</Table.Th>
                <Table.Th>{t("groups.members")}</Table.Th>
                <Table.Th>{t("groups.actions")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((group) => (
                <GroupRow key={group.id} group={group} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
