import {
  ActionIcon,
  Button,
  FileInput,
  Group,
  Modal,
  SegmentedControl,
  Stack,
  Text,
  Textarea,
  TextInput,
} from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type Schemas, unwrap } from "../../api/client";
import { fieldError, ProblemAlert } from "../../components/ProblemAlert";
import { toOffsetTime } from "../campaigns/time";
import { NS } from "./i18n";
import { type PriceLine, readCsv, toCsv, withHeader } from "./priceList";

type Tariff = Schemas["TariffResponse"];
type Mode = "csv" | "form";

/** A new version of a tariff's prices, from a time ahead (or now): a CSV file (`prefix,
 * price_per_part`, the format the API takes and names bad lines of) or rows typed in. Versions
 * are never changed once made: prices change by scheduling another. */
export function ScheduleVersion({ tariff, onClose }: { tariff: Tariff; onClose: () => void }) {
  const { t } = useTranslation(NS);
  const queryClient = useQueryClient();
  const [mode, setMode] = useState<Mode>("csv");
  const [from, setFrom] = useState("");
  const [csv, setCsv] = useState("");
  const [rows, setRows] = useState<PriceLine[]>([{ prefix: "", price_per_part: "" }]);
  const schedule = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/v1/ops/tariffs/{tariff_id}/versions", {
          params: {
            path: { tariff_id: tariff.id },
            query: { effective_from: toOffsetTime(from) ?? undefined },
          },
          // Both ways go as the CSV the API takes, so the form's rows and a file are checked
          // (and their bad lines named) the same way.
          body: (mode === "csv" ? withHeader(csv) : toCsv(rows)) as never,
          bodySerializer: (body: unknown) => body as string,
          headers: { "Content-Type": "text/csv" },
        }),
      ),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["ops", "tariffs"] });
      onClose();
    },
  });
  const count = mode === "csv" ? readCsv(csv).length : rows.filter((r) => r.prefix.trim()).length;
  const setRow = (index: number, change: Partial<PriceLine>) =>
    setRows(rows.map((row, i) => (i === index ? { ...row, ...change } : row)));
  return (
    <Modal
      opened
      onClose={onClose}
      title={t("tariffs.scheduleTitle", { name: tariff.name })}
      closeButtonProps={{ "aria-label": t("close") }}
      size="lg"
    >
      <form
        onSubmit={(event) => {
          event.preventDefault();
          schedule.mutate();
        }}
      >
        <Stack>
          <ProblemAlert error={schedule.error} />
          <TextInput
            type="datetime-local"
            label={t("tariffs.effective")}
            description={t("tariffs.effectiveHint")}
            value={from}
            onChange={(event) => setFrom(event.currentTarget.value)}
            error={fieldError(schedule.error, "effective_from")}
          />
          <SegmentedControl
            aria-label={t("tariffs.source")}
            value={mode}
            onChange={(value) => setMode(value as Mode)}
            data={[
              { value: "csv", label: t("tariffs.csv") },
              { value: "form", label: t("tariffs.form") },
            ]}
          />
          {mode === "csv" ? (
            <>
              <FileInput
                label={t("tariffs.file")}
                placeholder={t("tariffs.choose")}
                accept=".csv,text/csv"
                clearable
                clearButtonProps={{ "aria-label": t("tariffs.clearFile") }}
                onChange={async (file) => setCsv(file ? await file.text() : "")}
              />
              <Textarea
                label={t("tariffs.csvText")}
                description={t("tariffs.csvHint")}
                value={csv}
                onChange={(event) => setCsv(event.currentTarget.value)}
                autosize
                minRows={4}
                maxRows={12}
                styles={{ input: { fontFamily: "monospace" } }}
              />
            </>
          ) : (
            <Stack gap="xs">
              {rows.map((row, index) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but place
                <Group key={index} align="flex-end" wrap="nowrap">
                  <TextInput
                    label={t("tariffs.prefix")}
                    value={row.prefix}
                    onChange={(event) => setRow(index, { prefix: event.currentTarget.value })}
                    inputMode="numeric"
                  />
                  <TextInput
                    label={t("tariffs.price")}
                    value={row.price_per_part}
                    onChange={(event) =>
                      setRow(index, { price_per_part: event.currentTarget.value })
                    }
                    inputMode="decimal"
                  />
                  <ActionIcon
                    variant="subtle"
                    color="red"
                    size="lg"
                    aria-label={t("tariffs.removeRow")}
                    disabled={rows.length === 1}
                    onClick={() => setRows(rows.filter((_, i) => i !== index))}
                  >
                    ×
                  </ActionIcon>
                </Group>
              ))}
              <Group>
                <Button
                  variant="default"
                  size="xs"
                  onClick={() => setRows([...rows, { prefix: "", price_per_part: "" }])}
                >
                  {t("tariffs.addRow")}
                </Button>
              </Group>
            </Stack>
          )}
          <Group justify="space-between">
            <Text size="sm" c="dimmed">
              {t("tariffs.lines", { count })}
            </Text>
            <Group>
              <Button variant="default" onClick={onClose}>
                {t("cancel")}
              </Button>
              <Button type="submit" loading={schedule.isPending} disabled={count === 0}>
                {t("tariffs.schedule")}
              </Button>
            </Group>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
