import {
  Alert,
  Badge,
  Button,
  Group,
  Loader,
  Paper,
  SegmentedControl,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type Schemas, unwrap } from "../../api/client";
import { noContent } from "../../api/noContent";
import { fieldError, ProblemAlert } from "../../components/ProblemAlert";
import { NS } from "./i18n";

type Sender = Schemas["SenderResponse"];
type Kind = Schemas["SenderRequest"]["kind"];

const STATE_COLORS: Record<Sender["state"], string> = {
  pending: "yellow",
  approved: "green",
  rejected: "red",
  revoked: "red",
  withdrawn: "gray",
};

export function useSenders() {
  return useQuery({ queryKey: ["senders"], queryFn: () => unwrap(api.GET("/v1/senders")) });
}

function RequestForm() {
  const { t } = useTranslation(NS);
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [kind, setKind] = useState<Kind>("alphanumeric");
  const [company, setCompany] = useState("");
  const [purpose, setPurpose] = useState("");
  const [documents, setDocuments] = useState("");
  const request = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/v1/senders", {
          body: {
            name,
            kind,
            company,
            purpose,
            documents: documents
              .split("\n")
              .map((line) => line.trim())
              .filter(Boolean),
          },
        }),
      ),
    onSuccess: () => {
      setName("");
      setPurpose("");
      setDocuments("");
      return queryClient.invalidateQueries({ queryKey: ["senders"] });
    },
  });
  return (
    <Paper withBorder p="md" maw={640}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          request.mutate();
        }}
      >
        <Stack>
          <Title order={2} size="h3">
            {t("request")}
          </Title>
          {request.data && (
            <Alert color="green" role="status">
              {t("requested", { name: request.data.name })}
            </Alert>
          )}
          <ProblemAlert error={request.error} />
          <Stack gap={4}>
            <Text size="sm" fw={500} id="sender-kind">
              {t("kind")}
            </Text>
            <SegmentedControl
              aria-labelledby="sender-kind"
              value={kind}
              onChange={(value) => setKind(value as Kind)}
              data={[
                { value: "alphanumeric", label: t("kinds.alphanumeric") },
                { value: "numeric", label: t("kinds.numeric") },
              ]}
            />
          </Stack>
          <TextInput
            label={t("name")}
            description={t("nameHint")}
            value={name}
            onChange={(event) => setName(event.currentTarget.value)}
            error={fieldError(request.error, "name")}
            maxLength={64}
            required
          />
          <TextInput
            label={t("company")}
            value={company}
            onChange={(event) => setCompany(event.currentTarget.value)}
            error={fieldError(request.error, "company")}
            maxLength={200}
            required
          />
          <Textarea
            label={t("purpose")}
            description={t("purposeHint")}
            value={purpose}
            onChange={(event) => setPurpose(event.currentTarget.value)}
            error={fieldError(request.error, "purpose")}
            maxLength={1000}
            autosize
            minRows={2}
            required
          />
          <Textarea
            label={t("documents")}
            description={t("documentsHint")}
            value={documents}
            onChange={(event) => setDocuments(event.currentTarget.value)}
            error={fieldError(request.error, "documents")}
            autosize
            minRows={2}
          />
          <Button type="submit" loading={request.isPending}>
            {t("submit")}
          </Button>
        </Stack>
      </form>
    </Paper>
  );
}

export function SendersPage() {
  const { t, i18n } = useTranslation(NS);
  const queryClient = useQueryClient();
  const senders = useSenders();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["senders"] });
  const makeDefault = useMutation({
    mutationFn: (sender: Sender) =>
      unwrap(api.PUT("/v1/senders/default", { body: { name: sender.name } })),
    onSuccess: refresh,
  });
  const withdraw = useMutation({
    mutationFn: (sender: Sender) =>
      noContent(
        api.DELETE("/v1/senders/{sender_id}", { params: { path: { sender_id: sender.id } } }),
      ),
    onSuccess: refresh,
  });
  const items = senders.data?.items ?? [];
  return (
    <Stack>
      <Title order={1} size="h2">
        {t("title")}
      </Title>
      <Text c="dimmed">{t("intro")}</Text>
      <ProblemAlert error={senders.error ?? makeDefault.error ?? withdraw.error} />
      {senders.isPending && <Loader aria-label="loading" />}
      {senders.isSuccess && items.length === 0 && <Text>{t("empty")}</Text>}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={600}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("name")}</Table.Th>
                <Table.Th>{t("state")}</Table.Th>
                <Table.Th>{t("reason")}</Table.Th>
                <Table.Th>{t("created")}</Table.Th>
                <Table.Th>{t("actions")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((sender) => (
                <Table.Tr key={sender.id} data-testid="sender-row" data-state={sender.state}>
                  <Table.Td>
                    <Group gap="xs">
                      <Text fw={500}>{sender.name}</Text>
                      {sender.default && (
                        <Badge variant="outline" size="sm">
                          {t("isDefault")}
                        </Badge>
                      )}
                    </Group>
                    <Text size="xs" c="dimmed">
                      {t(`kinds.${sender.kind}`)} · {sender.company}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge color={STATE_COLORS[sender.state]} variant="light">
                      {t(`states.${sender.state}`)}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{sender.reason ?? "—"}</Table.Td>
                  <Table.Td>
                    {new Date(sender.created_at).toLocaleDateString(i18n.language)}
                  </Table.Td>
                  <Table.Td>
                    <Group gap="xs" wrap="nowrap">
                      {sender.state === "approved" && !sender.default && (
                        <Button
                          size="xs"
                          variant="light"
                          loading={makeDefault.isPending && makeDefault.variables?.id === sender.id}
                          onClick={() => makeDefault.mutate(sender)}
                        >
                          {t("makeDefault")}
                        </Button>
                      )}
                      {(sender.state === "pending" || sender.state === "approved") && (
                        <Button
                          size="xs"
                          variant="subtle"
                          color="red"
                          onClick={() => {
                            if (window.confirm(t("confirmWithdraw", { name: sender.name })))
                              withdraw.mutate(sender);
                          }}
                        >
                          {sender.state === "pending" ? t("withdraw") : t("giveUp")}
                        </Button>
                      )}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <RequestForm />
    </Stack>
  );
}
