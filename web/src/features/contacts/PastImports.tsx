import { Anchor, Badge, Button, Paper, Progress, Stack, Table, Text, Title } from "@mantine/core";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import { ProblemAlert } from "../../components/ProblemAlert";
import { ErrorReport } from "./ErrorReport";
import { NS } from "./i18n";
import { finished } from "./importing";

const COLORS: Record<string, string> = {
  pending: "gray",
  running: "blue",
  done: "green",
  failed: "red",
};

/** The account's imports, newest first, from any browser: each with its state, counts and,
 * when rows were skipped, the report of them. Polled while one is still running. */
export function PastImports() {
  const { t, i18n } = useTranslation(NS);
  const list = useInfiniteQuery({
    queryKey: ["contacts", "imports"],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(api.GET("/v1/contacts/imports", { params: { query: { cursor: pageParam } } })),
    getNextPageParam: (page) => page.next_cursor ?? undefined,
    refetchInterval: (query) =>
      query.state.data?.pages.some((page) => page.items.some((job) => !finished(job.state)))
        ? 2000
        : false,
  });
  const items = list.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <Paper withBorder p="md">
      <Stack>
        <Title order={2} size="h3">
          {t("import.past")}
        </Title>
        <ProblemAlert error={list.error} />
        {list.isSuccess && items.length === 0 && <Text c="dimmed">{t("import.none")}</Text>}
        {items.length > 0 && (
          <Table.ScrollContainer minWidth={320}>
            <Table striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("import.fileColumn")}</Table.Th>
                  <Table.Th>{t("import.stateLabel")}</Table.Th>
                  <Table.Th>{t("import.countsLabel")}</Table.Th>
                  <Table.Th>{t("import.started")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((job) => (
                  <Table.Tr key={job.id} data-testid="past-import" data-state={job.state}>
                    <Table.Td>
                      <Anchor component={Link} to={`/contacts/import?id=${job.id}`}>
                        {job.file_name}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>
                      <Stack gap={4}>
                        <Badge color={COLORS[job.state] ?? "gray"}>
                          {job.state in COLORS ? t(`import.state.${job.state}`) : job.state}
                        </Badge>
                        {!finished(job.state) && (
                          <Progress
                            value={100}
                            animated
                            striped
                            aria-label={t("import.progress")}
                          />
                        )}
                      </Stack>
                    </Table.Td>
                    <Table.Td>
                      <Stack gap={4}>
                        <Text size="sm">
                          {t("import.counts", {
                            rows: job.rows_read,
                            created: job.created,
                            updated: job.updated,
                            skipped: job.skipped,
                          })}
                        </Text>
                        {job.error && (
                          <Text size="sm" c="red">
                            {job.error}
                          </Text>
                        )}
                        {finished(job.state) && job.skipped > 0 && !job.files_deleted_at && (
                          <ErrorReport job={job} />
                        )}
                      </Stack>
                    </Table.Td>
                    <Table.Td>{new Date(job.created_at).toLocaleString(i18n.language)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {list.hasNextPage && (
          <Button
            variant="light"
            onClick={() => list.fetchNextPage()}
            loading={list.isFetchingNextPage}
          >
            {t("import.older")}
          </Button>
        )}
      </Stack>
    </Paper>
  );
}
