import { Anchor, Button, Group, Loader, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { api, type Schemas, unwrap } from "../../api/client";
import { noContent } from "../../api/noContent";
import { ProblemAlert } from "../../components/ProblemAlert";
import { NS } from "./i18n";
import { TemplateEditor } from "./TemplateEditor";

type Template = Schemas["TemplateResponse"];

export function useTemplates() {
  return useQuery({
    queryKey: ["templates"],
    queryFn: () => unwrap(api.GET("/v1/templates")),
  });
}

export function TemplatesPage() {
  const { t, i18n } = useTranslation(NS);
  const queryClient = useQueryClient();
  const templates = useTemplates();
  // `undefined`: no editor; `null`: a new template; else the template being edited.
  const [editing, setEditing] = useState<Template | null | undefined>(undefined);
  const remove = useMutation({
    mutationFn: (template: Template) =>
      noContent(
        api.DELETE("/v1/templates/{template_id}", {
          params: { path: { template_id: template.id } },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["templates"] }),
  });
  const items = templates.data?.items ?? [];
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">
          {t("title")}
        </Title>
        <Button onClick={() => setEditing(null)}>{t("new")}</Button>
      </Group>
      <ProblemAlert error={templates.error ?? remove.error} />
      {templates.isPending && <Loader aria-label="loading" />}
      {templates.isSuccess && items.length === 0 && (
        <Text>{t("empty", { example: "{{first_name}}" })}</Text>
      )}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={600}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("name")}</Table.Th>
                <Table.Th>{t("placeholders")}</Table.Th>
                <Table.Th>{t("updated")}</Table.Th>
                <Table.Th>{t("actions")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((template) => (
                <Table.Tr key={template.id} data-testid="template-row">
                  <Table.Td>
                    <Text fw={500}>{template.name}</Text>
                    <Text size="xs" c="dimmed" lineClamp={2}>
                      {template.text}
                    </Text>
                  </Table.Td>
                  <Table.Td>{template.placeholders.join(", ")}</Table.Td>
                  <Table.Td>{new Date(template.updated_at).toLocaleString(i18n.language)}</Table.Td>
                  <Table.Td>
                    <Group gap="xs" wrap="nowrap">
                      <Button size="xs" variant="light" onClick={() => setEditing(template)}>
                        {t("edit")}
                      </Button>
                      <Anchor
                        component={Link}
                        size="sm"
                        to={`/campaigns/new?template=${template.id}`}
                      >
                        {t("use")}
                      </Anchor>
                      <Button
                        size="xs"
                        variant="subtle"
                        color="red"
                        onClick={() => {
                          if (window.confirm(t("confirmDelete", { name: template.name })))
                            remove.mutate(template);
                        }}
                      >
                        {t("delete")}
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {editing !== undefined && (
        <TemplateEditor
          key={editing?.id ?? "new"}
          template={editing}
          opened
          onClose={() => setEditing(undefined)}
        />
      )}
    </Stack>
  );
}
