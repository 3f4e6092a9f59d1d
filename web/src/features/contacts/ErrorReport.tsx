import { Button, Group, Stack } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, ProblemError, type Schemas } from "../../api/client";
import { ProblemAlert } from "../../components/ProblemAlert";
import { NS } from "./i18n";

/** The skipped rows come from an authorised endpoint, so they are fetched, then saved. */
export function ErrorReport({ job }: { job: Schemas["ImportResponse"] }) {
  const { t } = useTranslation(NS);
  const download = useMutation({
    mutationFn: async () => {
      const { data, response } = await api.GET("/v1/contacts/imports/{import_id}/errors.csv", {
        params: { path: { import_id: job.id } },
        parseAs: "blob",
      });
      if (!response.ok || !data)
        throw new ProblemError({
          status: response.status,
          code: "errors_report_unavailable",
          title: response.statusText,
        });
      const link = document.createElement("a");
      link.href = URL.createObjectURL(data);
      link.download = `${job.file_name.replace(/\.(csv|xlsx)$/i, "")}-skipped.csv`;
      link.click();
      URL.revokeObjectURL(link.href);
    },
  });
  return (
    <Stack gap="xs">
      <ProblemAlert error={download.error} />
      <Group>
        <Button variant="light" onClick={() => download.mutate()} loading={download.isPending}>
          {t("import.errors")}
        </Button>
      </Group>
    </Stack>
  );
}
