import {
  Alert,
  Badge,
  Button,
  Code,
  Group,
  Paper,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../../api/client";
import { session } from "../../auth/session";
import { fieldError, ProblemAlert } from "../../components/ProblemAlert";
import { NS } from "./i18n";
import { LazyQRCode } from "./LazyQRCode";

const PROFILE = ["account-profile"];

function Enrol() {
  const { t } = useTranslation(NS);
  const queryClient = useQueryClient();
  const [code, setCode] = useState("");
  const start = useMutation({ mutationFn: () => unwrap(api.POST("/v1/account/2fa")) });
  const confirm = useMutation({
    mutationFn: () => unwrap(api.POST("/v1/account/2fa/confirm", { body: { code } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: PROFILE }),
  });
  if (!start.data) {
    return (
      <Stack>
        <ProblemAlert error={start.error} />
        <Group>
          <Button loading={start.isPending} onClick={() => start.mutate()}>
            {t("security.enable")}
          </Button>
        </Group>
      </Stack>
    );
  }
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        confirm.mutate();
      }}
    >
      <Stack>
        <Text size="sm">{t("security.scan")}</Text>
        <LazyQRCode
          value={start.data.otpauth_uri}
          size={180}
          title={t("security.qr")}
          role="img"
          aria-label={t("security.qr")}
          marginSize={2}
        />
        <Text size="sm" fw={500}>
          {t("security.secret")}
        </Text>
        <Code data-testid="totp-secret">{start.data.secret}</Code>
        <ProblemAlert error={confirm.error} />
        <Group align="flex-end">
          <TextInput
            label={t("security.code")}
            value={code}
            onChange={(event) => setCode(event.currentTarget.value)}
            error={fieldError(confirm.error, "code")}
            inputMode="numeric"
            autoComplete="one-time-code"
            required
          />
          <Button type="submit" loading={confirm.isPending}>
            {t("security.confirm")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function Disable() {
  const { t } = useTranslation(NS);
  const queryClient = useQueryClient();
  const [otp, setOtp] = useState("");
  const disable = useMutation({
    mutationFn: () => unwrap(api.DELETE("/v1/account/2fa", { body: { otp } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: PROFILE }),
  });
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        disable.mutate();
      }}
    >
      <Stack>
        <ProblemAlert error={disable.error} />
        <Group align="flex-end">
          <TextInput
            label={t("security.code")}
            description={t("security.disableHint")}
            value={otp}
            onChange={(event) => setOtp(event.currentTarget.value)}
            error={fieldError(disable.error, "otp")}
            inputMode="numeric"
            autoComplete="one-time-code"
            required
          />
          <Button type="submit" color="red" variant="light" loading={disable.isPending}>
            {t("security.disable")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function ChangePassword() {
  const { t } = useTranslation(NS);
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const change = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/v1/account/password", {
          body: { current_password: current, new_password: next },
        }),
      ),
    // The answer carries this client's new pair; the old refresh token is revoked.
    onSuccess: (tokens) => {
      session.start(tokens.access_token, tokens.refresh_token, tokens.expires_in);
      setCurrent("");
      setNext("");
    },
  });
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        change.mutate();
      }}
    >
      <Stack maw={420}>
        <Title order={3} size="h5">
          {t("security.password")}
        </Title>
        <ProblemAlert error={change.error} />
        {change.isSuccess && (
          <Alert color="green" role="status">
            {t("security.passwordChanged")}
          </Alert>
        )}
        <PasswordInput
          label={t("security.current")}
          autoComplete="current-password"
          value={current}
          onChange={(event) => setCurrent(event.currentTarget.value)}
          error={fieldError(change.error, "current_password")}
          required
        />
        <PasswordInput
          label={t("security.new")}
          description={t("security.passwordHint")}
          autoComplete="new-password"
          value={next}
          onChange={(event) => setNext(event.currentTarget.value)}
          error={fieldError(change.error, "new_password")}
          required
        />
        <Group>
          <Button type="submit" variant="light" loading={change.isPending}>
            {t("security.password")}
          </Button>
        </Group>
        <Text size="xs" c="dimmed">
          {t("security.sessions")}
        </Text>
      </Stack>
    </form>
  );
}

export function Security() {
  const { t } = useTranslation(NS);
  const profile = useQuery({ queryKey: PROFILE, queryFn: () => unwrap(api.GET("/v1/account")) });
  const enabled = profile.data?.two_factor_enabled;
  return (
    <Paper withBorder p="md">
      <Stack>
        <Title order={2} size="h3">
          {t("security.title")}
        </Title>
        <ProblemAlert error={profile.error} />
        {profile.isLoading && <Text c="dimmed">{t("loading")}</Text>}
        {enabled !== undefined && (
          <Group gap="xs">
            <Text>{t("security.state", { state: enabled ? t("on") : t("off") })}</Text>
            <Badge color={enabled ? "green" : "gray"} data-testid="two-factor-state">
              {enabled ? t("on") : t("off")}
            </Badge>
          </Group>
        )}
        {enabled === false && <Enrol />}
        {enabled === true && <Disable />}
        <ChangePassword />
      </Stack>
    </Paper>
  );
}
