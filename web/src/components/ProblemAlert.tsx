import { Alert } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { ProblemError } from "../api/client";

/** A failed request in words: the problem's detail (the API writes it for people) and its code. */
export function ProblemAlert({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!error) return null;
  const detail = error instanceof ProblemError ? error.message : String(error);
  const code = error instanceof ProblemError ? error.problem.code : undefined;
  return (
    <Alert color="red" role="alert" title={code}>
      {t("errors.generic", { detail })}
    </Alert>
  );
}

/** The message for one form field from a 422's `errors`, when the API named that field. */
export function fieldError(error: unknown, field: string): string | undefined {
  if (!(error instanceof ProblemError)) return undefined;
  const match = error.problem.errors?.find((e) => e.location[e.location.length - 1] === field);
  return match?.message;
}
