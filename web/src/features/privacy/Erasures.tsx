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
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../../api/client";
import { session } from "../../auth/session";
import { fieldError, ProblemAlert } from "../../components/ProblemAlert";
import { NS } from "./i18n";
import { rememberedIds } from "./remembered";

function ErasureCard({ id, onForget }: { id: string; onForget: () => void }) {
  const { t, i18n } = useTranslation(NS);
  const item = useQuery({
    queryKey: ["privacy-erasure", id],
    queryFn: () =>
      unwrap(
        api.GET("/v1/privacy/erasures/{erasure_id}", { params: { path: { erasure_id: id } } }),
      ),
    refetchInterval: (query) => (query.state.data?.state === "completed" ? false : 2000),
  });
  const data = item.data;
  const done = data?.services.filter((part) => part.completed).length ?? 0;
  const total = data?.services.length ?? 0;
  return (
    <Card withBorder data-testid="privacy-erasure" data-state={data?.state}>
      <ProblemAlert error={item.error} />
      {data && (
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
          <Group>
            <Button size="xs" variant="subtle" onClick={onForget}>
              {t("forget")}
            </Button>
          </Group>
        </Stack>
      )}
    </Card>
  );
}

export function Erasures() {
  const { t } = useTranslation(NS);
  const remembered = rememberedIds("erasures", session.claims().account_id);
  const [ids, setIds] = useState(remembered.read);
  const [phone, setPhone] = useState("");
  const [again, setAgain] = useState("");
  const erase = useMutation({
    mutationFn: () => unwrap(api.POST("/v1/privacy/erasures", { body: { phone } })),
    onSuccess: (created) => {
      remembered.add(created.id);
      setIds(remembered.read());
      setPhone("");
      setAgain("");
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
        {ids.length === 0 && <Text c="dimmed">{t("erasures.empty")}</Text>}
        {ids.map((id) => (
          <ErasureCard
            key={id}
            id={id}
            onForget={() => {
              remembered.remove(id);
              setIds(remembered.read());
            }}
          />
        ))}
      </Stack>
    </Paper>
  );
}
