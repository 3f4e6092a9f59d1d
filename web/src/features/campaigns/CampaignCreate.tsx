import {
  Anchor,
  Button,
  MultiSelect,
  NativeSelect,
  Paper,
  SegmentedControl,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { api, type Schemas, unwrap } from "../../api/client";
import { fieldError, ProblemAlert } from "../../components/ProblemAlert";
import { useGroups } from "../contacts/queries";
import { useSenders } from "../senders/SendersPage";
import { useTemplates } from "../templates/TemplatesPage";
import { NS } from "./i18n";
import { toOffsetTime } from "./time";

type Purpose = NonNullable<Schemas["CreateCampaignRequest"]["purpose"]>;

export function CampaignCreate() {
  const { t } = useTranslation(NS);
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [params] = useSearchParams();
  const templates = useTemplates();
  const senders = useSenders();
  const groups = useGroups();
  const [name, setName] = useState("");
  const [content, setContent] = useState(params.get("template") ? "template" : "text");
  const [text, setText] = useState("");
  const [templateId, setTemplateId] = useState(params.get("template") ?? "");
  const [sender, setSender] = useState("");
  const [groupIds, setGroupIds] = useState<string[]>([]);
  const [sendAt, setSendAt] = useState("");
  const [purpose, setPurpose] = useState<Purpose>("marketing");
  const [optOutLine, setOptOutLine] = useState("");
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/v1/campaigns", {
          body: {
            name,
            group_ids: groupIds,
            purpose,
            sender: sender || null,
            send_at: toOffsetTime(sendAt),
            opt_out_line: optOutLine || null,
            ...(content === "template" ? { template_id: templateId || null } : { text }),
          },
        }),
      ),
    onSuccess: async (campaign) => {
      await queryClient.invalidateQueries({ queryKey: ["campaigns"] });
      navigate(`/campaigns/${campaign.id}`);
    },
  });
  const approved = (senders.data?.items ?? []).filter((s) => s.state === "approved");
  const chosenTemplate = templates.data?.items.find((tpl) => tpl.id === templateId);
  const error = (field: string) => fieldError(create.error, field);
  return (
    <Stack maw={720}>
      <Anchor component={Link} to="/campaigns">
        {t("back")}
      </Anchor>
      <Paper withBorder p="lg">
        <form
          onSubmit={(event) => {
            event.preventDefault();
            create.mutate();
          }}
        >
          <Stack>
            <Title order={1} size="h2">
              {t("new")}
            </Title>
            <ProblemAlert error={create.error} />
            <TextInput
              label={t("name")}
              value={name}
              onChange={(event) => setName(event.currentTarget.value)}
              error={error("name")}
              maxLength={100}
              required
            />
            <Stack gap={4}>
              <Text size="sm" fw={500} id="campaign-content">
                {t("content")}
              </Text>
              <SegmentedControl
                aria-labelledby="campaign-content"
                value={content}
                onChange={setContent}
                data={[
                  { value: "text", label: t("contentText") },
                  { value: "template", label: t("contentTemplate") },
                ]}
              />
            </Stack>
            {content === "text" ? (
              <Textarea
                label={t("text")}
                description={t("textHint", { example: "{{name}}" })}
                value={text}
                onChange={(event) => setText(event.currentTarget.value)}
                error={error("text")}
                autosize
                minRows={3}
                maxLength={1600}
                required
              />
            ) : (
              <>
                <NativeSelect
                  label={t("template")}
                  value={templateId}
                  onChange={(event) => setTemplateId(event.currentTarget.value)}
                  error={error("template_id")}
                  data={[
                    {
                      value: "",
                      label: templates.data?.items.length ? "—" : t("noTemplates"),
                    },
                    ...(templates.data?.items ?? []).map((tpl) => ({
                      value: tpl.id,
                      label: tpl.name,
                    })),
                  ]}
                  required
                />
                {chosenTemplate && (
                  <Text size="sm" c="dimmed" style={{ whiteSpace: "pre-wrap" }}>
                    {chosenTemplate.text}
                  </Text>
                )}
              </>
            )}
            <NativeSelect
              label={t("sender")}
              value={sender}
              onChange={(event) => setSender(event.currentTarget.value)}
              error={error("sender")}
              data={[
                { value: "", label: t("defaultSender") },
                ...approved.map((s) => ({ value: s.name, label: s.name })),
              ]}
            />
            <MultiSelect
              label={t("groups")}
              description={t("groupsHint")}
              value={groupIds}
              onChange={setGroupIds}
              error={error("group_ids")}
              data={(groups.data?.items ?? []).map((g) => ({
                value: g.id,
                label: `${g.name} (${g.member_count})`,
              }))}
              searchable
              required
            />
            <TextInput
              type="datetime-local"
              label={t("sendAt")}
              description={t("sendAtHint")}
              value={sendAt}
              onChange={(event) => setSendAt(event.currentTarget.value)}
              error={error("send_at")}
            />
            <NativeSelect
              label={t("purpose")}
              value={purpose}
              onChange={(event) => setPurpose(event.currentTarget.value as Purpose)}
              error={error("purpose")}
              data={[
                { value: "marketing", label: t("purposes.marketing") },
                { value: "transactional", label: t("purposes.transactional") },
              ]}
            />
            {purpose === "marketing" && (
              <TextInput
                label={t("optOutLine")}
                description={t("optOutHint")}
                value={optOutLine}
                onChange={(event) => setOptOutLine(event.currentTarget.value)}
                error={error("opt_out_line")}
                maxLength={100}
              />
            )}
            <Button type="submit" loading={create.isPending} disabled={groupIds.length === 0}>
              {t("create")}
            </Button>
          </Stack>
        </form>
      </Paper>
    </Stack>
  );
}
