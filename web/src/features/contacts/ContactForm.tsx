import {
  Alert,
  Button,
  Checkbox,
  Group,
  SimpleGrid,
  Stack,
  TagsInput,
  TextInput,
} from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type Schemas, unwrap } from "../../api/client";
import { fieldError, ProblemAlert } from "../../components/ProblemAlert";
import { type Inputs, toInputs, toValues } from "./custom";
import { NS } from "./i18n";
import { useFields } from "./queries";

type Contact = Schemas["ContactResponse"];

/** Create a contact (no `contact`) or change one; an emptied optional field is cleared (null). */
export function ContactForm({
  contact,
  onSaved,
  onCancel,
}: {
  contact?: Contact;
  onSaved: (saved: Contact) => void;
  onCancel?: () => void;
}) {
  const { t } = useTranslation(NS);
  const queryClient = useQueryClient();
  const [phone, setPhone] = useState(contact?.phone ?? "");
  const [name, setName] = useState(contact?.name ?? "");
  const [email, setEmail] = useState(contact?.email ?? "");
  const [country, setCountry] = useState(contact?.country ?? "");
  const [address, setAddress] = useState(contact?.address ?? "");
  const [birthDate, setBirthDate] = useState(contact?.birth_date ?? "");
  const [tags, setTags] = useState<string[]>(contact?.tags ?? []);
  // On creation only: the recipient agreed to messages (consented_at = now), and how.
  const [consented, setConsented] = useState(false);
  const [consentSource, setConsentSource] = useState("");
  // The account's own fields: inputs start from the contact's values once the fields are known.
  const fieldList = useFields().data?.items ?? [];
  const [edited, setEdited] = useState<Inputs>({});
  const customInputs = { ...toInputs(fieldList, contact?.custom ?? {}), ...edited };
  const save = useMutation({
    mutationFn: () => {
      const fields = {
        name: name || null,
        email: email || null,
        country: country ? country.toUpperCase() : null,
        address: address || null,
        birth_date: birthDate || null,
        tags,
        custom: toValues(fieldList, customInputs, Boolean(contact)),
      };
      if (!contact) {
        const consent = consented
          ? { consented_at: new Date().toISOString(), consent_source: consentSource || null }
          : {};
        return unwrap(api.POST("/v1/contacts", { body: { phone, ...fields, ...consent } }));
      }
      return unwrap(
        api.PATCH("/v1/contacts/{contact_id}", {
          params: { path: { contact_id: contact.id } },
          body: { phone, ...fields },
        }),
      );
    },
    onSuccess: async (saved) => {
      await queryClient.invalidateQueries({ queryKey: ["contacts"] });
      onSaved(saved);
    },
  });
  const error = (field: string) => fieldError(save.error, field);
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        save.mutate();
      }}
    >
      <Stack>
        <ProblemAlert error={save.error} />
        {contact && save.isSuccess && (
          <Alert color="green" role="status">
            {t("saved")}
          </Alert>
        )}
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            label={t("phone")}
            description={t("phoneHint")}
            value={phone}
            onChange={(event) => setPhone(event.currentTarget.value)}
            error={error("phone")}
            inputMode="tel"
            maxLength={64}
            required
            data-autofocus
          />
          <TextInput
            label={t("name")}
            value={name}
            onChange={(event) => setName(event.currentTarget.value)}
            error={error("name")}
            maxLength={200}
          />
          <TextInput
            label={t("email")}
            type="email"
            value={email}
            onChange={(event) => setEmail(event.currentTarget.value)}
            error={error("email")}
          />
          <TextInput
            label={t("country")}
            description={t("countryHint")}
            value={country}
            onChange={(event) => setCountry(event.currentTarget.value)}
            error={error("country")}
            maxLength={2}
          />
          <TextInput
            label={t("address")}
            value={address}
            onChange={(event) => setAddress(event.currentTarget.value)}
            error={error("address")}
            maxLength={500}
          />
          <TextInput
            label={t("birthDate")}
            type="date"
            value={birthDate}
            onChange={(event) => setBirthDate(event.currentTarget.value)}
            error={error("birth_date")}
          />
        </SimpleGrid>
        {fieldList.length > 0 && (
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            {fieldList.map((field) => {
              const value = customInputs[field.key];
              const set = (next: string | boolean) =>
                setEdited((previous) => ({ ...previous, [field.key]: next }));
              if (field.type === "boolean")
                return (
                  <Checkbox
                    key={field.key}
                    label={field.key}
                    checked={value === true}
                    onChange={(event) => set(event.currentTarget.checked)}
                    error={error(field.key)}
                  />
                );
              return (
                <TextInput
                  key={field.key}
                  label={field.key}
                  type={field.type === "date" ? "date" : "text"}
                  inputMode={field.type === "number" ? "decimal" : undefined}
                  value={typeof value === "string" ? value : ""}
                  onChange={(event) => set(event.currentTarget.value)}
                  error={error(field.key)}
                />
              );
            })}
          </SimpleGrid>
        )}
        <TagsInput
          label={t("tags")}
          description={t("tagsHint")}
          value={tags}
          onChange={setTags}
          error={error("tags")}
          maxTags={20}
          clearable
          clearButtonProps={{ "aria-label": t("close") }}
        />
        {!contact && (
          <Group align="flex-end">
            <Checkbox
              label={t("consentedNow")}
              checked={consented}
              onChange={(event) => setConsented(event.currentTarget.checked)}
            />
            {consented && (
              <TextInput
                size="xs"
                label={t("consentSource")}
                placeholder={t("consentSourceHint")}
                value={consentSource}
                onChange={(event) => setConsentSource(event.currentTarget.value)}
                error={error("consent_source")}
                maxLength={200}
              />
            )}
          </Group>
        )}
        <Group justify="flex-end">
          {onCancel && (
            <Button variant="default" onClick={onCancel}>
              {t("cancel")}
            </Button>
          )}
          <Button type="submit" loading={save.isPending}>
            {t("save")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
