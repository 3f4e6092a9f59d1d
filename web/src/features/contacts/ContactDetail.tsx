import {
  Anchor,
  Button,
  Code,
  CopyButton,
  Group,
  Loader,
  NativeSelect,
  Paper,
  SegmentedControl,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams } from "react-router-dom";
import { api, type Schemas, unwrap } from "../../api/client";
import { noContent } from "../../api/noContent";
import { fieldError, ProblemAlert } from "../../components/ProblemAlert";
import { ConsentBadge } from "./ConsentBadge";
import { ContactForm } from "./ContactForm";
import { NS } from "./i18n";

type Purpose = Schemas["ConsentWrite"]["purpose"];
type Source = NonNullable<Schemas["ConsentWrite"]["source"]>;

function RecordConsent({ contactId }: { contactId: string }) {
  const { t } = useTranslation(NS);
  const queryClient = useQueryClient();
  const [purpose, setPurpose] = useState<Purpose>("marketing");
  const [granted, setGranted] = useState("true");
  const [source, setSource] = useState<Source>("web_form");
  const [evidence, setEvidence] = useState("");
  const record = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/v1/contacts/{contact_id}/consent", {
          params: { path: { contact_id: contactId } },
          body: { purpose, granted: granted === "true", source, evidence: evidence || null },
        }),
      ),
    onSuccess: () => {
      setEvidence("");
      return queryClient.invalidateQueries({ queryKey: ["contacts"] });
    },
  });
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        record.mutate();
      }}
    >
      <Stack gap="xs">
        <Title order={3} size="h5">
          {t("recordConsent")}
        </Title>
        <ProblemAlert error={record.error} />
        <Group align="flex-end" gap="sm">
          <NativeSelect
            label={t("purpose")}
            value={purpose}
            onChange={(event) => setPurpose(event.currentTarget.value as Purpose)}
            data={[
              { value: "marketing", label: t("purposes.marketing") },
              { value: "transactional", label: t("purposes.transactional") },
            ]}
          />
          <Stack gap={4}>
            <Text size="sm" fw={500} id="consent-decision">
              {t("decision")}
            </Text>
            <SegmentedControl
              aria-labelledby="consent-decision"
              value={granted}
              onChange={setGranted}
              data={[
                { value: "true", label: t("granted") },
                { value: "false", label: t("withdrawnOpt") },
              ]}
            />
          </Stack>
          <NativeSelect
            label={t("source")}
            value={source}
            onChange={(event) => setSource(event.currentTarget.value as Source)}
            data={(["web_form", "api", "import"] as const).map((value) => ({
              value,
              label: t(`sources.${value}`),
            }))}
          />
        </Group>
        <TextInput
          label={t("evidence")}
          description={t("evidenceHint")}
          value={evidence}
          onChange={(event) => setEvidence(event.currentTarget.value)}
          error={fieldError(record.error, "evidence")}
          maxLength={500}
        />
        <Group>
          <Button type="submit" variant="light" loading={record.isPending}>
            {t("record")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function ConsentHistory({ contactId }: { contactId: string }) {
  const { t, i18n } = useTranslation(NS);
  const history = useQuery({
    queryKey: ["contacts", contactId, "consent"],
    queryFn: () =>
      unwrap(
        api.GET("/v1/contacts/{contact_id}/consent", {
          params: { path: { contact_id: contactId }, query: { limit: 100 } },
        }),
      ),
  });
  const items = history.data?.items ?? [];
  return (
    <Stack gap="xs">
      <Title order={3} size="h5">
        {t("consentHistory")}
      </Title>
      <ProblemAlert error={history.error} />
      {history.isSuccess && items.length === 0 && <Text size="sm">{t("consentNone")}</Text>}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={600}>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("at")}</Table.Th>
                <Table.Th>{t("purpose")}</Table.Th>
                <Table.Th>{t("decision")}</Table.Th>
                <Table.Th>{t("source")}</Table.Th>
                <Table.Th>{t("evidence")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((record) => (
                <Table.Tr key={record.id} data-testid="consent-row">
                  <Table.Td>{new Date(record.recorded_at).toLocaleString(i18n.language)}</Table.Td>
                  <Table.Td>{t(`purposes.${record.purpose}`)}</Table.Td>
                  <Table.Td>{record.granted ? t("granted") : t("withdrawnOpt")}</Table.Td>
                  <Table.Td>{t(`sources.${record.source}`)}</Table.Td>
                  <Table.Td>{record.evidence ?? ""}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}

/** The token the account puts in its marketing messages' unsubscribe links for this number. */
function UnsubscribeToken({ contactId }: { contactId: string }) {
  const { t } = useTranslation(NS);
  const token = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/v1/contacts/{contact_id}/unsubscribe-token", {
          params: { path: { contact_id: contactId } },
        }),
      ),
  });
  return (
    <Stack gap="xs">
      <Text size="sm" c="dimmed">
        {t("unsubscribe.hint")}
      </Text>
      <ProblemAlert error={token.error} />
      {token.data ? (
        <Group gap="xs" wrap="nowrap">
          <Code style={{ wordBreak: "break-all" }} data-testid="unsubscribe-token">
            {token.data.token}
          </Code>
          <CopyButton value={token.data.token}>
            {({ copied, copy }) => (
              <Button size="xs" variant="light" onClick={copy}>
                {copied ? t("unsubscribe.copied") : t("unsubscribe.copy")}
              </Button>
            )}
          </CopyButton>
        </Group>
      ) : (
        <Group>
          <Button
            size="xs"
            variant="light"
            loading={token.isPending}
            onClick={() => token.mutate()}
          >
            {t("unsubscribe.get")}
          </Button>
        </Group>
      )}
    </Stack>
  );
}

export function ContactDetail() {
  const { t } = useTranslation(NS);
  const { contactId = "" } = useParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const contact = useQuery({
    queryKey: ["contacts", contactId],
    queryFn: () =>
      unwrap(api.GET("/v1/contacts/{contact_id}", { params: { path: { contact_id: contactId } } })),
  });
  const erase = useMutation({
    mutationFn: () =>
      noContent(
        api.DELETE("/v1/contacts/{contact_id}", { params: { path: { contact_id: contactId } } }),
      ),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["contacts"] });
      navigate("/contacts");
    },
  });
  return (
    <Stack maw={900}>
      <Anchor component={Link} to="/contacts">
        {t("back")}
      </Anchor>
      <ProblemAlert error={contact.error ?? erase.error} />
      {contact.isPending && <Loader aria-label="loading" />}
      {contact.data && (
        <>
          <Title order={1} size="h2">
            {contact.data.name || contact.data.phone}
          </Title>
          <Paper withBorder p="md">
            <ContactForm
              key={contact.data.id}
              contact={contact.data}
              onSaved={(saved) => queryClient.setQueryData(["contacts", contactId], saved)}
            />
          </Paper>
          <Paper withBorder p="md">
            <Stack>
              <Title order={2} size="h4">
                {t("consentTitle")}
              </Title>
              <Group gap="xs">
                <ConsentBadge purpose="marketing" state={contact.data.consent.marketing} />
                <ConsentBadge purpose="transactional" state={contact.data.consent.transactional} />
              </Group>
              <ConsentHistory contactId={contactId} />
              <RecordConsent contactId={contactId} />
              <UnsubscribeToken contactId={contactId} />
            </Stack>
          </Paper>
          <Group>
            <Button
              color="red"
              variant="light"
              loading={erase.isPending}
              onClick={() => {
                if (window.confirm(t("confirmErase", { phone: contact.data.phone })))
                  erase.mutate();
              }}
            >
              {t("erase")}
            </Button>
          </Group>
        </>
      )}
    </Stack>
  );
}
