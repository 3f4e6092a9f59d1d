import {
  Anchor,
  Button,
  Group,
  Loader,
  NativeSelect,
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
import { useFields } from "./queries";

type FieldType = Schemas["FieldCreate"]["type"];
const TYPES: FieldType[] = ["text", "number", "date", "boolean"];

export function FieldsPage() {
  const { t } = useTranslation(NS);
  const queryClient = useQueryClient();
  const fields = useFields();
  const [key, setKey] = useState("");
  const [type, setType] = useState<FieldType>("text");
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["contacts", "fields"] });
  const create = useMutation({
    mutationFn: () => unwrap(api.POST("/v1/contacts/fields", { body: { key, type } })),
    onSuccess: () => {
      setKey("");
      return refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (fieldKey: string) =>
      noContent(api.DELETE("/v1/contacts/fields/{key}", { params: { path: { key: fieldKey } } })),
    onSuccess: refresh,
  });
  const items = fields.data?.items ?? [];
  return (
    <Stack maw={900}>
      <Anchor component={Link} to="/contacts">
        {t("back")}
      </Anchor>
      <Title order={1} size="h2">
        {t("fields.title")}
      </Title>
      <Text c="dimmed">{t("fields.intro")}</Text>
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
                label={t("fields.key")}
                description={t("fields.keyHint")}
                value={key}
                onChange={(event) => setKey(event.currentTarget.value)}
                error={fieldError(create.error, "key")}
                pattern="[a-z][a-z0-9_]{0,39}"
                required
              />
              <NativeSelect
                label={t("fields.type")}
                value={type}
                onChange={(event) => setType(event.currentTarget.value as FieldType)}
                data={TYPES.map((value) => ({ value, label: t(`fields.types.${value}`) }))}
              />
              <Button type="submit" loading={create.isPending}>
                {t("fields.add")}
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>
      <ProblemAlert error={fields.error ?? remove.error} />
      {fields.isPending && <Loader aria-label="loading" />}
      {fields.isSuccess && items.length === 0 && <Text>{t("fields.empty")}</Text>}
      {items.length > 0 && (
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("fields.key")}</Table.Th>
              <Table.Th>{t("fields.type")}</Table.Th>
              <Table.Th>{t("fields.actions")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((field) => (
              <Table.Tr key={field.key} data-testid="field-row">
                <Table.Td>{field.key}</Table.Td>
                <Table.Td>{t(`fields.types.${field.type}`)}</Table.Td>
                <Table.Td>
                  <Button
                    size="xs"
                    variant="subtle"
                    color="red"
                    onClick={() => {
                      if (window.confirm(t("fields.confirmDelete", { key: field.key })))
                        remove.mutate(field.key);
                    }}
                  >
                    {t("fields.delete")}
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
