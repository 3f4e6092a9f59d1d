import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  Paper,
  Progress,
  Stack,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type Schemas, unwrap } from "../../api/client";
import { fieldError, ProblemAlert } from "../../components/ProblemAlert";
import { NS } from "./i18n";
import { refetch } from "./refetch";

function ErasureCard({ data }: { data: Schemas["ErasureResponse"] }) {
  const { t, i18n } = useTranslation(NS);
  const done = data.services.filter((part) => part.completed).length;
  const total = data.services.length;
  return (
    <Card withBorder data-testid="privacy-erasure" data-state={data.state}>
      <Stack gap={4}>
        <Group justify="space-between">
          <Text size="sm">
            {t("created")}: {new Date(data.created_at).toLocaleString(i18n.language)}
          </Text>
          <Badge color={data.state === "completed" ? "green" : "blue"}>
            {t(`erasures.states.${data.state}`)}
          </Badge>
        </Group>
        <Progress
          value={total ? (100 * done) / total : 0}
          aria-label={t("erasures.progress", { done, total })}
        />
        <Text size="xs" c="dimmed">
          {t("erasures.progress", { done, total })}:{" "}
          {data.services
            .map((part) => `${part.service}${part.completed ? ` ✓ (${part.rows ?? 0})` : " …"}`)
            .join(", ")}
        </Text>
      </Stack>
    </Card>
  );
}

const ERASURES = ["privacy-erasures"];

/** The account's erasures, newest first, polled while any is in progress. */
function useErasures() {
  return useInfiniteQuery({
    queryKey: ERASURES,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(api.GET("/v1/privacy/erasures", { params: { query: { cursor: pageParam } } })),
    getNextPageParam: (page) => page.next_cursor ?? undefined,
    refetchInterval: (query) =>
      query.state.data?.pages.some((page) => page.items.some((item) => item.state !== "completed"))
        ? 2000
        : false,
  });
}

export function Erasures() {
  const { t } = useTranslation(NS);
  const queryClient = useQueryClient();
  const list = useErasures();
  const items = list.data?.pages.flatMap((page) => page.items) ?? [];
  const [phone, setPhone] = useState("");
  const [again, setAgain] = useState("");
  const erase = useMutation({
    mutationFn: () => unwrap(api.POST("/v1/privacy/erasures", { body: { phone } })),
    onSuccess: () => {
      setPhone("");
      setAgain("");
      return refetch(queryClient, ERASURES);
    },
  });
  return (
    <Paper withBorder p="md">
      <Stack>
        <Title order={2} size="h3">
          {t("erasures.title")}
        </Title>
        <Alert color="orange">{t("erasures.warning")}</Alert>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            erase.mutate();
          }}
        >
          <Stack>
            <ProblemAlert error={erase.error} />
            <Group align="flex-end">
              <TextInput
                label={t("phone")}
                value={phone}
                onChange={(event) => setPhone(event.currentTarget.value)}
                error={fieldError(erase.error, "phone")}
                inputMode="tel"
                required
              />
              <TextInput
                label={t("erasures.confirm")}
                value={again}
                onChange={(event) => setAgain(event.currentTarget.value)}
                inputMode="tel"
                required
              />
              <Button
                type="submit"
                color="red"
                loading={erase.isPending}
                disabled={!phone || phone !== again}
              >
                {t("erasures.request")}
              </Button>
            </Group>
          </Stack>
        </form>
        <ProblemAlert error={list.error} />
        {list.isSuccess && items.length === 0 && <Text c="dimmed">{t("erasures.empty")}</Text>}
        {items.map((item) => (
          <ErasureCard key={item.id} data={item} />
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
