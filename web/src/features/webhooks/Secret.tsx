import { Alert, Button, Code, CopyButton, Group, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { NS } from "./i18n";

/** A signing secret the API shows once: in full, with a copy button. */
export function SecretOnce({ secret, oldUntil }: { secret: string; oldUntil?: string | null }) {
  const { t, i18n } = useTranslation(NS);
  return (
    <Alert color="yellow" title={t("secretOnce")} role="status">
      <Group gap="xs" wrap="nowrap">
        <Code data-testid="webhook-secret" style={{ wordBreak: "break-all" }}>
          {secret}
        </Code>
        <CopyButton value={secret}>
          {({ copied, copy }) => (
            <Button size="xs" variant="light" onClick={copy}>
              {copied ? t("copied") : t("copy")}
            </Button>
          )}
        </CopyButton>
      </Group>
      {oldUntil && (
        <Text size="xs" mt="xs">
          {t("oldValidUntil", { time: new Date(oldUntil).toLocaleString(i18n.language) })}
        </Text>
      )}
    </Alert>
  );
}
