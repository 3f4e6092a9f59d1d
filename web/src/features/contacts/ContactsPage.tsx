import {
  Anchor,
  Badge,
  Button,
  Checkbox,
  Group,
  Loader,
  Modal,
  NativeSelect,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import { ProblemAlert } from "../../components/ProblemAlert";
import { ConsentBadge } from "./ConsentBadge";
import { ContactForm } from "./ContactForm";
import { NS } from "./i18n";
import { useGroups } from "./queries";

const PAGE = 50;

function useContacts(q: string, tag: string, groupId: string) {
  return useInfiniteQuery({
    queryKey: ["contacts", "list", q, tag, groupId],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/v1/contacts", {
          params: {
            query: {
              limit: PAGE,
              cursor: pageParam,
              q: q || undefined,
              tag: tag || undefined,
              group_id: groupId || undefined,
            },
          },
        }),
      ),
    getNextPageParam: (page) => page.next_cursor ?? undefined,
    placeholderData: (previous) => previous,
  });
}

/** Add the selected contacts to a group, or take them out of the group being shown. */
function Membership({
  selected,
  currentGroup,
  onDone,
}: {
  selected: string[];
  currentGroup: string;
  onDone: () => void;
}) {
  const { t } = useTranslation(NS);
  const queryClient = useQueryClient();
  const groups = useGroups();
  const [target, setTarget] = useState("");
  const change = useMutation({
    mutationFn: ({ groupId, add }: { groupId: string; add: boolean }) => {
      const options = {
        params: { path: { group_id: groupId } },
        body: { contact_ids: selected },
      };
      return unwrap(
        add
          ? api.POST("/v1/contacts/groups/{group_id}/members", options)
          : api.DELETE("/v1/contacts/groups/{group_id}/members", options),
      );
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["contacts"] });
      onDone();
    },
  });
  return (
    <Stack gap="xs">
      <ProblemAlert error={change.error} />
      <Group align="flex-end" gap="xs">
        <Text size="sm" fw={500}>
          {t("selected", { count: selected.length })}
        </Text>
        <NativeSelect
          size="xs"
          label={t("chooseGroup")}
          value={target}
          onChange={(event) => setTarget(event.currentTarget.value)}
          data={[
            { value: "", label: "—" },
            ...(groups.data?.items ?? []).map((g) => ({ value: g.id, label: g.name })),
          ]}
        />
        <Button
          size="xs"
          disabled={!target}
          loading={change.isPending}
          onClick={() => change.mutate({ groupId: target, add: true })}
        >
          {t("addToGroup")}
        </Button>
        {currentGroup && (
          <Button
            size="xs"
            variant="light"
            color="red"
            loading={change.isPending}
            onClick={() => change.mutate({ groupId: currentGroup, add: false })}
          >
            {t("removeFromGroup")}
          </Button>
        )}
      </Group>
    </Stack>
  );
}

export function ContactsPage() {
  const { t, i18n } = useTranslation(NS);
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const [search, setSearch] = useState(params.get("q") ?? "");
  const [tag, setTag] = useState(params.get("tag") ?? "");
  const groupId = params.get("group") ?? "";
  const [q] = useDebouncedValue(search.trim(), 300);
  const [debouncedTag] = useDebouncedValue(tag.trim().toLowerCase(), 300);
  const [creating, setCreating] = useState(false);
  const [selected, setSelected] = useState<string[]>([]);
  const groups = useGroups();
  const contacts = useContacts(q, debouncedTag, groupId);
  const items = contacts.data?.pages.flatMap((page) => page.items) ?? [];
  const filtered = Boolean(q || debouncedTag || groupId);
  const setFilter = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
    setSelected([]);
  };
  const allSelected = items.length > 0 && items.every((c) => selected.includes(c.id));
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">
          {t("title")}
        </Title>
        <Group gap="xs">
          <Button variant="default" component={Link} to="/contacts/groups">
            {t("groupsLink")}
          </Button>
          <Button variant="default" component={Link} to="/contacts/fields">
            {t("fieldsLink")}
          </Button>
          <Button variant="default" component={Link} to="/contacts/import">
            {t("importLink")}
          </Button>
          <Button onClick={() => setCreating(true)}>{t("new")}</Button>
        </Group>
      </Group>
      <Group align="flex-end" gap="sm">
        <TextInput
          type="search"
          label={t("search")}
          placeholder={t("searchHint")}
          value={search}
          onChange={(event) => {
            setSearch(event.currentTarget.value);
            setFilter("q", event.currentTarget.value.trim());
          }}
          maxLength={100}
        />
        <TextInput
          label={t("tag")}
          value={tag}
          onChange={(event) => {
            setTag(event.currentTarget.value);
            setFilter("tag", event.currentTarget.value.trim());
          }}
          maxLength={32}
        />
        <NativeSelect
          label={t("group")}
          value={groupId}
          onChange={(event) => setFilter("group", event.currentTarget.value)}
          data={[
            { value: "", label: t("anyGroup") },
            ...(groups.data?.items ?? []).map((g) => ({
              value: g.id,
              label: `${g.name} (${g.member_count})`,
            })),
          ]}
        />
      </Group>
      <ProblemAlert error={contacts.error} />
      {selected.length > 0 && (
        <Membership selected={selected} currentGroup={groupId} onDone={() => setSelected([])} />
      )}
      {contacts.isPending && <Loader aria-label="loading" />}
      {contacts.isSuccess && items.length === 0 && (
        <Text>{filtered ? t("noMatch") : t("empty")}</Text>
      )}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={600}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>
                  <Checkbox
                    aria-label={t("selectAll")}
                    checked={allSelected}
                    onChange={() => setSelected(allSelected ? [] : items.map((c) => c.id))}
                  />
                </Table.Th>
                <Table.Th>{t("phone")}</Table.Th>
                <Table.Th>{t("name")}</Table.Th>
                <Table.Th>{t("tags")}</Table.Th>
                <Table.Th>{t("consent")}</Table.Th>
                <Table.Th>{t("created")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((contact) => (
                <Table.Tr key={contact.id} data-testid="contact-row">
                  <Table.Td>
                    <Checkbox
                      aria-label={t("select", { phone: contact.phone })}
                      checked={selected.includes(contact.id)}
                      onChange={(event) => {
                        const on = event.currentTarget.checked;
                        setSelected((previous) =>
                          on
                            ? [...previous, contact.id]
                            : previous.filter((id) => id !== contact.id),
                        );
                      }}
                    />
                  </Table.Td>
                  <Table.Td>
                    <Anchor component={Link} to={`/contacts/${contact.id}`}>
                      {contact.phone}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    {contact.name}
                    {contact.email && (
                      <Text size="xs" c="dimmed">
                        {contact.email}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {contact.tags.map((name) => (
                        <Badge key={name} size="sm" variant="outline" tt="none">
                          {name}
                        </Badge>
                      ))}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <ConsentBadge purpose="marketing" state={contact.consent.marketing} />
                  </Table.Td>
                  <Table.Td>
                    {new Date(contact.created_at).toLocaleDateString(i18n.language)}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {contacts.hasNextPage && (
        <Button
          variant="light"
          onClick={() => contacts.fetchNextPage()}
          loading={contacts.isFetchingNextPage}
        >
          {t("more")}
        </Button>
      )}
      <Modal
        opened={creating}
        onClose={() => setCreating(false)}
        title={t("new")}
        size="lg"
        closeButtonProps={{ "aria-label": t("close") }}
      >
        <ContactForm
          onSaved={(saved) => navigate(`/contacts/${saved.id}`)}
          onCancel={() => setCreating(false)}
        />
      </Modal>
    </Stack>
  );
}
