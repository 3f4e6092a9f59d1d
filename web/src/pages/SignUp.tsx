import { zodResolver } from "@hookform/resolvers/zod";
import {
  Alert,
  Anchor,
  Button,
  Paper,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useForm } from "react-hook-form";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router-dom";
import { z } from "zod";
import { api, ProblemError, unwrap } from "../api/client";
import { fieldError, ProblemAlert } from "../components/ProblemAlert";
import { logIn } from "./Login";

const schema = z.object({
  email: z.string().email(),
  password: z.string().min(12),
  company_name: z.string().min(1).max(200),
});
type Form = z.infer<typeof schema>;

export function SignUp() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const form = useForm<Form>({ resolver: zodResolver(schema) });
  const signUp = useMutation({
    mutationFn: async (values: Form) => {
      await unwrap(api.POST("/v1/auth/register", { body: values }));
      // Where sign-up needs no confirmation the account can log in at once; otherwise the
      // login's problem says the e-mail is not confirmed yet, and the screen shows it.
      try {
        await logIn(values.email, values.password);
        return true;
      } catch (error) {
        if (error instanceof ProblemError && error.problem.status === 403) return false;
        throw error;
      }
    },
    onSuccess: (loggedIn) => loggedIn && navigate("/"),
  });
  const serverError = (field: string) => fieldError(signUp.error, field);
  return (
    <Paper maw={420} mx="auto" mt="xl" p="lg" withBorder>
      <form onSubmit={form.handleSubmit((values) => signUp.mutate(values))}>
        <Stack>
          <Title order={1} size="h2">
            {t("auth.signup")}
          </Title>
          {signUp.data === false && <Alert color="blue">{t("auth.registered")}</Alert>}
          <ProblemAlert error={signUp.error} />
          <TextInput
            label={t("auth.email")}
            type="email"
            autoComplete="email"
            error={form.formState.errors.email?.message ?? serverError("email")}
            {...form.register("email")}
          />
          <PasswordInput
            label={t("auth.password")}
            description={t("auth.passwordHint")}
            autoComplete="new-password"
            error={form.formState.errors.password?.message ?? serverError("password")}
            {...form.register("password")}
          />
          <TextInput
            label={t("auth.company")}
            autoComplete="organization"
            error={form.formState.errors.company_name?.message ?? serverError("company_name")}
            {...form.register("company_name")}
          />
          <Button type="submit" loading={signUp.isPending}>
            {t("auth.signup")}
          </Button>
          <Text size="sm">
            {t("auth.haveAccount")}{" "}
            <Anchor component={Link} to="/login">
              {t("auth.login")}
            </Anchor>
          </Text>
        </Stack>
      </form>
    </Paper>
  );
}
