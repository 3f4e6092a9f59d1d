import { zodResolver } from "@hookform/resolvers/zod";
import { Anchor, Button, Paper, PasswordInput, Stack, Text, TextInput, Title } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router-dom";
import { z } from "zod";
import { api, ProblemError, unwrap } from "../api/client";
import { session } from "../auth/session";
import { ProblemAlert } from "../components/ProblemAlert";

const schema = z.object({
  email: z.string().email(),
  password: z.string().min(1),
  otp: z.string().optional(),
});
type Form = z.infer<typeof schema>;

export async function logIn(email: string, password: string, otp?: string): Promise<void> {
  const body = { email, password, ...(otp ? { otp } : {}) };
  const tokens = await unwrap(api.POST("/v1/auth/login", { body }));
  session.start(tokens.access_token, tokens.refresh_token, tokens.expires_in);
}

export function Login() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const form = useForm<Form>({ resolver: zodResolver(schema) });
  const login = useMutation({
    mutationFn: (values: Form) => logIn(values.email, values.password, values.otp),
    onSuccess: () => navigate("/"),
  });
  // With two-factor login on, the first attempt is refused `otp_required`: then the code is
  // asked for, and stays asked for while it is wrong.
  const code = login.error instanceof ProblemError ? login.error.problem.code : undefined;
  const [needsOtp, setNeedsOtp] = useState(false);
  if (!needsOtp && (code === "otp_required" || code === "invalid_otp")) setNeedsOtp(true);
  return (
    <Paper maw={420} mx="auto" mt="xl" p="lg" withBorder>
      <form onSubmit={form.handleSubmit((values) => login.mutate(values))}>
        <Stack>
          <Title order={1} size="h2">
            {t("auth.login")}
          </Title>
          <ProblemAlert error={login.error} />
          <TextInput
            label={t("auth.email")}
            type="email"
            autoComplete="email"
            error={form.formState.errors.email?.message}
            {...form.register("email")}
          />
          <PasswordInput
            label={t("auth.password")}
            autoComplete="current-password"
            error={form.formState.errors.password?.message}
            {...form.register("password")}
          />
          {needsOtp && (
            <TextInput
              label={t("auth.otp")}
              inputMode="numeric"
              autoComplete="one-time-code"
              {...form.register("otp")}
            />
          )}
          <Button type="submit" loading={login.isPending}>
            {t("auth.login")}
          </Button>
          <Text size="sm">
            {t("auth.noAccount")}{" "}
            <Anchor component={Link} to="/signup">
              {t("auth.signup")}
            </Anchor>
          </Text>
        </Stack>
      </form>
    </Paper>
  );
}
