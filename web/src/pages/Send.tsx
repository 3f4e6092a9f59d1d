import { Alert, Button, Paper, Stack, Textarea, TextInput, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { api, type Schemas, unwrap } from "../api/client";
import { fieldError, ProblemAlert } from "../components/ProblemAlert";
import { SegmentCounter } from "../components/SegmentCounter";

type Policy = Schemas["SendMessageRequest"]["encoding_policy"];

export function Send() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [to, setTo] = useState("");
  const [sender, setSender] = useState("");
  const [text, setText] = useState("");
  const [policy, setPolicy] = useState<Policy>("auto");
  const [debouncedText] = useDebouncedValue(text, 250);
  const [debouncedTo] = useDebouncedValue(to, 250);

  const body = (forText: string, forTo: string): Schemas["SendMessageRequest"] => ({
    to: forTo,
    text: forText,
    encoding_policy: policy,
    ...(sender ? { sender } : {}),
  });
  // The quote needs a recipient for the price; without one, a placeholder counts the text.
  const quote = useQuery({
    queryKey: ["quote", debouncedText, debouncedTo, policy, sender],
    enabled: debouncedText.length > 0,
    queryFn: () =>
      unwrap(
        api.POST("/v1/messages/quote", {
          body: body(debouncedText, debouncedTo || "+447700900000"),
        }),
      ),
    placeholderData: (previous) => previous,
    retry: false,
  });
  // Would the server's transliteration (look-alikes to GSM-7) replace anything? Only then is
  // the one-click replacement offered.
  const forcing = quote.data?.messages[0]?.ucs2_characters.length ?? 0;
  const transliterated = useQuery({
    queryKey: ["quote-transliterated", debouncedText, debouncedTo, sender],
    enabled: policy === "auto" && forcing > 0,
    queryFn: () =>
      unwrap(
        api.POST("/v1/messages/quote", {
          body: {
            ...body(debouncedText, debouncedTo || "+447700900000"),
            encoding_policy: "gsm7_transliterate",
          },
        }),
      ),
    retry: false,
  });
  const send = useMutation({
    mutationFn: () => unwrap(api.POST("/v1/messages", { body: body(text, to) })),
    onSuccess: () => queryClient.invalidateQueries(),
  });
  const quoted = quote.data?.messages[0];
  return (
    <Paper p="lg" withBorder maw={640}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          send.mutate();
        }}
      >
        <Stack>
          <Title order={1} size="h2">
            {t("send.title")}
          </Title>
          {send.data && (
            <Alert color="green" role="status">
              <Link to={`/messages/${send.data.id}`}>{t("send.sent", { id: send.data.id })}</Link>
            </Alert>
          )}
          <ProblemAlert error={send.error} />
          <TextInput
            label={t("send.to")}
            description={t("send.toHint")}
            value={to}
            onChange={(event) => setTo(event.currentTarget.value)}
            error={fieldError(send.error, "to")}
            required
            inputMode="tel"
          />
          <TextInput
            label={t("send.sender")}
            value={sender}
            onChange={(event) => setSender(event.currentTarget.value)}
            error={fieldError(send.error, "sender")}
          />
          <Textarea
            label={t("send.text")}
            value={text}
            onChange={(event) => setText(event.currentTarget.value)}
            error={fieldError(send.error, "text")}
            autosize
            minRows={4}
            required
          />
          <SegmentCounter
            quote={quoted}
            canTransliterate={
              policy === "auto" && (transliterated.data?.messages[0]?.replaced.length ?? 0) > 0
            }
            onTransliterate={() => setPolicy("gsm7_transliterate")}
          />
          <Button type="submit" loading={send.isPending}>
            {t("send.submit")}
          </Button>
        </Stack>
      </form>
    </Paper>
  );
}
