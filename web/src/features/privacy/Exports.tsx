import {
  Badge,
  Button,
  Card,
  Group,
  Paper,
  SegmentedControl,
  Stack,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type Schemas, unwrap } from "../../api/client";
import { session } from "../../auth/session";
import { fieldError, ProblemAlert } from "../../components/ProblemAlert";
import { saveBlob } from "../files/download";
import { NS } from "./i18n";
import { refetch } from "./refetch";

type Scope = "phone" | "contact" | "all";
const COLORS = {
  pending: "gray",
  running: "blue",
  ready: "green",
  failed: "red",
  expired: "orange",
};

function ExportCard({ data }: { data: Schemas["ExportResponse"] }) {
  const { t, i18n } = useTranslation(NS);
  const download = useMutation({
    mutationFn: () =>
      saveBlob(
        api.GET("/v1/privacy/exports/{export_id}/download", {
          params: { path: { export_id: data.id } },
          parseAs: "blob",
        }),
        `export-${data.id}.zip`,
      ),
  });
  return (
    <Card withBorder data-testid="privacy-export" data-state={data.state}>
      <ProblemAlert error={download.error} />
      <Stack gap={4}>
        <Group justify="space-between">
          <Text fw={600}>{data.phone ?? data.contact_id ?? t("exports.scopes.all")}</Text>
          <Badge color={COLORS[data.state]}>{t(`exports.states.${data.state}`)}</Badge>
        </Group>
        <Text size="sm" c="dimmed">
          {t("created")}: {new Date(data.created_at).toLocaleString(i18n.language)}
          {data.state === "ready" && ` · ${t("exports.rows", { count: data.rows })}`}
          {/* A worker died mid-build and another took over: say so, it explains a wait. */}
          {data.attempts > 1 && ` · ${t("exports.attempts", { count: data.attempts })}`}
          {data.expires_at &&
            ` · ${t("exports.expires", { date: new Date(data.expires_at).toLocaleString(i18n.language) })}`}
        </Text>
        {data.error && (
          <Text size="sm" c="red">
            {data.error}
          </Text>
        )}
        {data.state === "ready" && (
          <Group>
            <Button size="xs" loading={download.isPending} onClick={() => download.mutate()}>
              {t("exports.download")}
            </Button>
          </Group>
        )}
      </Stack>
    </Card>
  );
}

const EXPORTS = ["privacy-exports"];

/** The account's exports, newest first, polled while any is still being built. */
function useExports() {
  return useInfiniteQuery({
    queryKey: EXPORTS,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(api.GET("/v1/privacy/exports", { params: { query: { cursor: pageParam } } })),
    getNextPageParam: (page) => page.next_cursor ?? undefined,
    refetchInterval: (query) =>
      query.state.data?.pages.some((page) =>
        page.items.some((item) => ["pending", "running"].includes(item.state)),
      )
        ? 2000
        : false,
  });
}

export function Exports() {
  const { t } = useTranslation(NS);
  const { role } = session.claims();
  const queryClient = useQueryClient();
  const list = useExports();
  const items = list.data?.pages.flatMap((page) => page.items) ?? [];
  // The choices do not fit side by side on a phone.
  const narrow = useMediaQuery("(max-width: 48em)");
  const [scope, setScope] = useState<Scope>("phone");
  const [value, setValue] = useState("");
  const request = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/v1/privacy/exports", {
          body:
            scope === "all"
              ? { all: true }
              : scope === "phone"
                ? { phone: value }
                : { contact_id: value },
        }),
      ),
    onSuccess: () => {
      setValue("");
      return refetch(queryClient, EXPORTS);
    },
  });
  // Exporting the whole account needs account:export, which only the owner has.
  const scopes: Scope[] = role === "owner" ? ["phone", "contact", "all"] : ["phone", "contact"];
  return (
    <Paper withBorder p="md">
      <Stack>
        <Title order={2} size="h3">
          {t("exports.title")}
        </Title>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            request.mutate();
          }}
        >
          <Stack>
            <ProblemAlert error={request.error} />
            <SegmentedControl
              aria-label={t("exports.of")}
              value={scope}
              onChange={(next) => setScope(next as Scope)}
              data={scopes.map((s) => ({ value: s, label: t(`exports.scopes.${s}`) }))}
              orientation={narrow ? "vertical" : "horizontal"}
              style={{ alignSelf: "flex-start", maxWidth: "100%" }}
            />
            <Group align="flex-end">
              {scope !== "all" && (
                <TextInput
                  label={scope === "phone" ? t("phone") : t("exports.contact")}
                  value={value}
                  onChange={(event) => setValue(event.currentTarget.value)}
                  error={fieldError(request.error, scope === "phone" ? "phone" : "contact_id")}
                  inputMode={scope === "phone" ? "tel" : "text"}
                  required
                />
              )}
              <Button type="submit" loading={request.isPending}>
                {t("exports.request")}
              </Button>
            </Group>
          </Stack>
        </form>
        <ProblemAlert error={list.error} />
        {list.isSuccess && items.length === 0 && <Text c="dimmed">{t("exports.empty")}</Text>}
        {items.map((item) => (
          <ExportCard key={item.id} data={item} />
        ))}
        {list.hasNextPage && (
          <Button
            variant="light"
            onClick={() => list.fetchNextPage()}
            loading={list.isFetchingNextPage}
          >
            {t("more")}
          </Button>
        )}
      </Stack>
    </Paper>
  );
}
