import {
  Alert,
  Badge,
  Button,
  Group,
  Modal,
  Paper,
  Stack,
  Text,
  Textarea,
  TextInput,
} from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type Schemas, unwrap } from "../../api/client";
import { fieldError, ProblemAlert } from "../../components/ProblemAlert";
import { NS } from "./i18n";
import { fillTemplate, placeholdersOf } from "./placeholders";

type Template = Schemas["TemplateResponse"];

/** Create (no `template`) or edit a template, with its placeholders previewed on sample values. */
export function TemplateEditor({
  template,
  opened,
  onClose,
}: {
  template: Template | null;
  opened: boolean;
  onClose: () => void;
}) {
  const { t } = useTranslation(NS);
  const queryClient = useQueryClient();
  const [name, setName] = useState(template?.name ?? "");
  const [text, setText] = useState(template?.text ?? "");
  const [samples, setSamples] = useState<Record<string, string>>({});
  const found = placeholdersOf(text);
  const save = useMutation({
    mutationFn: () =>
      template
        ? unwrap(
            api.PATCH("/v1/templates/{template_id}", {
              params: { path: { template_id: template.id } },
              body: { name, text },
            }),
          )
        : unwrap(api.POST("/v1/templates", { body: { name, text } })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["templates"] });
      onClose();
    },
  });
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={template ? t("edit") : t("new")}
      size="lg"
      closeButtonProps={{ "aria-label": t("close") }}
    >
      <form
        onSubmit={(event) => {
          event.preventDefault();
          save.mutate();
        }}
      >
        <Stack>
          <ProblemAlert error={save.error} />
          <TextInput
            label={t("name")}
            description={t("nameHint")}
            value={name}
            onChange={(event) => setName(event.currentTarget.value)}
            error={fieldError(save.error, "name")}
            maxLength={64}
            required
            data-autofocus
          />
          <Textarea
            label={t("text")}
            description={t("textHint", { example: "{{first_name}}" })}
            value={text}
            onChange={(event) => setText(event.currentTarget.value)}
            error={fieldError(save.error, "text")}
            autosize
            minRows={3}
            maxLength={1600}
            required
          />
          <Group gap="xs" aria-label={t("placeholders")} role="group">
            <Text size="sm" fw={500}>
              {t("placeholders")}:
            </Text>
            {found.names.length === 0 && (
              <Text size="sm" c="dimmed">
                {t("noPlaceholders")}
              </Text>
            )}
            {found.names.map((placeholder) => (
              <Badge key={placeholder} variant="light" tt="none" data-testid="placeholder">
                {placeholder}
              </Badge>
            ))}
          </Group>
          {found.invalid.length > 0 && (
            <Alert color="orange">{t("invalid", { list: found.invalid.join(", ") })}</Alert>
          )}
          {found.names.map((placeholder) => (
            <TextInput
              key={placeholder}
              size="xs"
              label={t("sample", { name: placeholder })}
              value={samples[placeholder] ?? ""}
              onChange={(event) => {
                const value = event.currentTarget.value;
                setSamples((previous) => ({ ...previous, [placeholder]: value }));
              }}
            />
          ))}
          <Paper withBorder p="sm" bg="gray.0">
            <Text size="sm" fw={500}>
              {t("preview")}
            </Text>
            <Text size="sm" style={{ whiteSpace: "pre-wrap" }} data-testid="template-preview">
              {fillTemplate(text, samples)}
            </Text>
          </Paper>
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t("cancel")}
            </Button>
            <Button type="submit" loading={save.isPending}>
              {t("save")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
