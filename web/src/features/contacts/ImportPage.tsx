import {
  Alert,
  Anchor,
  Button,
  CloseButton,
  FileInput,
  Group,
  NativeSelect,
  Paper,
  Progress,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import { fieldError, ProblemAlert } from "../../components/ProblemAlert";
import { ErrorReport } from "./ErrorReport";
import { NS } from "./i18n";
import {
  CONTACT_FIELDS,
  type CsvShape,
  finished,
  guessMapping,
  importPercent,
  mappingToSend,
  readCsv,
} from "./importing";
import { PastImports } from "./PastImports";
import { useFields, useGroups } from "./queries";
import { readXlsx } from "./xlsx";

function useFieldOptions() {
  const { t } = useTranslation(NS);
  const fields = useFields();
  return [
    { value: "", label: t("import.skip") },
    ...CONTACT_FIELDS.map((field) => ({ value: field, label: field })),
    ...(fields.data?.items ?? []).map((f) => ({
      value: `custom.${f.key}`,
      label: `custom.${f.key}`,
    })),
  ];
}

function ImportProgress({ importId, totalRows }: { importId: string; totalRows: number | null }) {
  const { t } = useTranslation(NS);
  const job = useQuery({
    queryKey: ["contacts", "imports", importId],
    queryFn: () =>
      unwrap(
        api.GET("/v1/contacts/imports/{import_id}", { params: { path: { import_id: importId } } }),
      ),
    refetchInterval: (query) =>
      query.state.data && finished(query.state.data.state) ? false : 1000,
  });
  if (job.error) return <ProblemAlert error={job.error} />;
  if (!job.data) return <Progress value={100} animated striped aria-label={t("import.progress")} />;
  const data = job.data;
  const percent = importPercent(data, totalRows);
  const known = ["pending", "running", "done", "failed"].includes(data.state);
  return (
    <Paper withBorder p="md">
      <Stack gap="xs" data-testid="import-progress" data-state={data.state}>
        <Text fw={500} role="status">
          {data.file_name}: {known ? t(`import.state.${data.state}`) : data.state}
        </Text>
        <Progress
          value={percent ?? 100}
          animated={!finished(data.state)}
          striped={percent === null && !finished(data.state)}
          color={data.state === "failed" ? "red" : data.state === "done" ? "green" : "blue"}
          aria-label={t("import.progress")}
        />
        <Text size="sm" data-testid="import-counts">
          {t("import.counts", {
            rows: data.rows_read,
            created: data.created,
            updated: data.updated,
            skipped: data.skipped,
          })}
        </Text>
        {data.error && <Alert color="red">{data.error}</Alert>}
        {finished(data.state) && data.skipped > 0 && !data.files_deleted_at && (
          <ErrorReport job={data} />
        )}
      </Stack>
    </Paper>
  );
}

export function ImportPage() {
  const { t } = useTranslation(NS);
  const [params, setParams] = useSearchParams();
  const importId = params.get("id");
  const groups = useGroups();
  const fields = useFields();
  const options = useFieldOptions();
  const [file, setFile] = useState<File | null>(null);
  const [mapping, setMapping] = useState<Record<string, string>>({});
  const [columns, setColumns] = useState<string[]>([]);
  const [rows, setRows] = useState<number | null>(null);
  const [xlsx, setXlsx] = useState(false);
  const [newColumn, setNewColumn] = useState("");
  const [groupId, setGroupId] = useState("");
  const choose = async (chosen: File | null) => {
    setFile(chosen);
    setMapping({});
    setColumns([]);
    setRows(null);
    setXlsx(false);
    if (!chosen) return;
    let shape: CsvShape;
    if (chosen.name.toLowerCase().endsWith(".xlsx")) {
      try {
        shape = await readXlsx(chosen);
      } catch {
        // Not readable here (damaged, or not really XLSX): its headers are typed instead,
        // and the service says what it makes of the file.
        setXlsx(true);
        return;
      }
    } else shape = readCsv(await chosen.text());
    // A column without a header cannot be named in the mapping.
    setColumns(shape.headers.filter((header) => header !== ""));
    setRows(shape.rows);
    setMapping(
      guessMapping(
        shape.headers,
        (fields.data?.items ?? []).map((f) => f.key),
      ),
    );
  };
  const upload = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/v1/contacts/imports", {
          body: {
            file: "",
            mapping: JSON.stringify(mappingToSend(mapping)),
            group_id: groupId || null,
          },
          // multipart/form-data: the file itself, and the mapping as a JSON string.
          bodySerializer: (body) => {
            const form = new FormData();
            if (file) form.append("file", file, file.name);
            form.append("mapping", body.mapping);
            if (body.group_id) form.append("group_id", body.group_id);
            return form;
          },
        }),
      ),
    onSuccess: (job) => setParams({ id: job.id }),
  });
  if (importId) {
    return (
      <Stack maw={900}>
        <Anchor component={Link} to="/contacts">
          {t("back")}
        </Anchor>
        <Title order={1} size="h2">
          {t("import.title")}
        </Title>
        {rows !== null && <Text size="sm">{t("import.rowsInFile", { count: rows })}</Text>}
        <ImportProgress importId={importId} totalRows={rows} />
        <Group>
          <Button
            variant="default"
            onClick={() => {
              void choose(null);
              upload.reset();
              setParams({});
            }}
          >
            {t("import.another")}
          </Button>
        </Group>
      </Stack>
    );
  }
  return (
    <Stack maw={900}>
      <Anchor component={Link} to="/contacts">
        {t("back")}
      </Anchor>
      <Title order={1} size="h2">
        {t("import.title")}
      </Title>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          upload.mutate();
        }}
      >
        <Stack>
          <ProblemAlert error={upload.error} />
          <FileInput
            label={t("import.file")}
            description={t("import.fileHint")}
            accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            value={file}
            onChange={(chosen) => void choose(chosen)}
            error={fieldError(upload.error, "file")}
            clearable
            clearButtonProps={{ "aria-label": t("close") }}
            required
          />
          {rows !== null && <Text size="sm">{t("import.rowsInFile", { count: rows })}</Text>}
          {file && (
            <Stack gap="xs">
              <Text fw={500}>{t("import.mapping")}</Text>
              <Text size="sm" c="dimmed">
                {t("import.mappingHint")}
              </Text>
              {xlsx && <Alert color="blue">{t("import.xlsxColumns")}</Alert>}
              {fieldError(upload.error, "mapping") && (
                <Alert color="red">{fieldError(upload.error, "mapping")}</Alert>
              )}
              <Table>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t("import.column")}</Table.Th>
                    <Table.Th>{t("import.field")}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {columns.map((column) => (
                    <Table.Tr key={column}>
                      <Table.Td>
                        <Group gap="xs" wrap="nowrap">
                          <Text size="sm">{column}</Text>
                          {xlsx && (
                            <CloseButton
                              size="sm"
                              aria-label={t("import.removeColumn", { column })}
                              onClick={() => {
                                setColumns(columns.filter((c) => c !== column));
                                const { [column]: _, ...rest } = mapping;
                                setMapping(rest);
                              }}
                            />
                          )}
                        </Group>
                      </Table.Td>
                      <Table.Td>
                        <NativeSelect
                          size="xs"
                          aria-label={`${t("import.field")}: ${column}`}
                          value={mapping[column] ?? ""}
                          onChange={(event) => {
                            const value = event.currentTarget.value;
                            setMapping((previous) => ({ ...previous, [column]: value }));
                          }}
                          data={options}
                        />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              {xlsx && (
                <Group align="flex-end" gap="xs">
                  <TextInput
                    size="xs"
                    label={t("import.columnHeader")}
                    value={newColumn}
                    onChange={(event) => setNewColumn(event.currentTarget.value)}
                  />
                  <Button
                    size="xs"
                    variant="light"
                    disabled={!newColumn.trim() || columns.includes(newColumn.trim())}
                    onClick={() => {
                      const column = newColumn.trim();
                      setColumns([...columns, column]);
                      setMapping({ ...mapping, ...guessMapping([column], []) });
                      setNewColumn("");
                    }}
                  >
                    {t("import.addColumn")}
                  </Button>
                </Group>
              )}
            </Stack>
          )}
          <NativeSelect
            label={t("import.intoGroup")}
            value={groupId}
            onChange={(event) => setGroupId(event.currentTarget.value)}
            data={[
              { value: "", label: t("import.noGroup") },
              ...(groups.data?.items ?? []).map((g) => ({ value: g.id, label: g.name })),
            ]}
          />
          <Group>
            <Button type="submit" loading={upload.isPending} disabled={!file}>
              {t("import.start")}
            </Button>
          </Group>
        </Stack>
      </form>
      <PastImports />
    </Stack>
  );
}
