import {
  Badge,
  Button,
  Card,
  Checkbox,
  Group,
  Stack,
  TagsInput,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router-dom";
import { api, type Schemas, unwrap } from "../../api/client";
import { fieldError, ProblemAlert } from "../../components/ProblemAlert";
import { NS } from "./i18n";

type Exceptions = Schemas["DestinationExceptions"];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The typed tags as ISO codes: upper case, split where a pasted list kept its separators. */
export function countryCodes(tags: string[]): string[] {
  const codes = tags.flatMap((tag) => tag.split(/[\s,;]+/)).filter(Boolean);
  return [...new Set(codes.map((code) => code.toUpperCase()))];
}

function Editor({ current }: { current: Exceptions }) {
  const { t, i18n } = useTranslation(NS);
  const queryClient = useQueryClient();
  const [categories, setCategories] = useState(current.allowed_categories);
  const [countries, setCountries] = useState(current.allowed_countries);
  const [note, setNote] = useState(current.note ?? "");
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        api.PUT("/v1/ops/destinations/{account_id}", {
          params: { path: { account_id: current.account_id } },
          body: {
            allowed_categories: categories,
            allowed_countries: countryCodes(countries),
            note: note.trim() || null,
          },
        }),
      ),
    onSuccess: (saved) =>
      queryClient.setQueryData(["ops", "destinations", current.account_id], saved),
  });
  return (
    <Card withBorder>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          save.mutate();
        }}
      >
        <Stack>
          <ProblemAlert error={save.error} />
          <Checkbox.Group
            label={t("destinations.categories")}
            description={t("destinations.categoriesHint")}
            value={categories}
            onChange={setCategories}
            error={fieldError(save.error, "allowed_categories")}
          >
            <Group mt="xs">
              {current.categories_available.map((category) => (
                <Checkbox key={category} value={category} label={category} />
              ))}
            </Group>
          </Checkbox.Group>
          <div>
            <Text size="sm" fw={500}>
              {t("destinations.defaults")}
            </Text>
            <Group gap={4} mt={4}>
              {current.default_countries.map((country) => (
                <Badge key={country} variant="outline">
                  {country}
                </Badge>
              ))}
              {/* No allow-list configured: every country is open to every account. */}
              {current.default_countries.length === 0 && (
                <Text size="sm">{t("destinations.everyCountry")}</Text>
              )}
            </Group>
          </div>
          <TagsInput
            label={t("destinations.countries")}
            description={t("destinations.countriesHint")}
            value={countries}
            onChange={setCountries}
            error={fieldError(save.error, "allowed_countries")}
            splitChars={[",", " ", ";"]}
            clearable
          />
          <TextInput
            label={t("destinations.note")}
            description={t("destinations.noteHint")}
            value={note}
            onChange={(event) => setNote(event.currentTarget.value)}
            error={fieldError(save.error, "note")}
            maxLength={500}
          />
          <Group justify="space-between">
            <Text size="xs" c="dimmed" data-testid="ops-destinations-changed">
              {current.changed_at &&
                t("destinations.changed", {
                  at: new Date(current.changed_at).toLocaleString(i18n.language),
                  by: current.changed_by,
                })}
            </Text>
            <Button type="submit" loading={save.isPending}>
              {t("destinations.save")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

/** What one account may send to beyond the defaults: high-risk range categories (premium
 * rate, satellite, shared cost) and countries outside the default allow-list. The whole set
 * is saved at once; what is not ticked or listed is not allowed. */
export function OpsDestinations() {
  const { t } = useTranslation(NS);
  // Opened from an account's row (Accounts): that account, filled in.
  const [params] = useSearchParams();
  const [account, setAccount] = useState(params.get("account") ?? "");
  const accountId = account.trim();
  const exceptions = useQuery({
    queryKey: ["ops", "destinations", accountId],
    queryFn: () =>
      unwrap(
        api.GET("/v1/ops/destinations/{account_id}", {
          params: { path: { account_id: accountId } },
        }),
      ),
    enabled: UUID.test(accountId),
  });
  return (
    <Stack maw={760}>
      <Title order={1} size="h2">
        {t("destinations.title")}
      </Title>
      <TextInput
        label={t("destinations.account")}
        description={t("destinations.accountHint")}
        value={account}
        onChange={(event) => setAccount(event.currentTarget.value)}
      />
      <ProblemAlert error={exceptions.error} />
      {exceptions.isLoading && <Text c="dimmed">{t("loading")}</Text>}
      {/* Keyed by account, so switching accounts starts from that account's saved set. */}
      {exceptions.data && <Editor key={exceptions.data.account_id} current={exceptions.data} />}
    </Stack>
  );
}
