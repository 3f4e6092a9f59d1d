import { Button, Group, Modal, Stack, Textarea } from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { fieldError, ProblemAlert } from "../../components/ProblemAlert";
import { NS } from "./i18n";

/** Asks for the reason an operator's decision is given with (the customer reads it). */
export function ReasonModal(props: {
  opened: boolean;
  title: string;
  hint?: string;
  pending: boolean;
  error: unknown;
  onClose: () => void;
  onConfirm: (reason: string) => void;
}) {
  const { t } = useTranslation(NS);
  const [reason, setReason] = useState("");
  return (
    <Modal
      opened={props.opened}
      onClose={props.onClose}
      title={props.title}
      closeButtonProps={{ "aria-label": t("close") }}
    >
      <form
        onSubmit={(event) => {
          event.preventDefault();
          props.onConfirm(reason);
        }}
      >
        <Stack>
          <ProblemAlert error={props.error} />
          <Textarea
            label={t("reason")}
            description={props.hint}
            value={reason}
            onChange={(event) => setReason(event.currentTarget.value)}
            error={fieldError(props.error, "reason")}
            required
            autosize
            minRows={2}
            data-autofocus
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={props.onClose}>
              {t("cancel")}
            </Button>
            <Button type="submit" color="red" loading={props.pending} disabled={!reason.trim()}>
              {t("confirm")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
