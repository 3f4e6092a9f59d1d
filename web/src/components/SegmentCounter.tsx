import { Badge, Button, Group, Stack, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { Schemas } from "../api/client";

interface Props {
  quote: Schemas["QuotedMessage"] | undefined;
  /** Some of the forcing characters have GSM look-alikes (smart quotes, dashes, ...). */
  canTransliterate: boolean;
  onTransliterate: () => void;
}

/** What the text costs as the customer types it: the quote endpoint's count of characters,
 * encoding and segments, the price, and the characters that force UCS-2. */
export function SegmentCounter({ quote, canTransliterate, onTransliterate }: Props) {
  const { t } = useTranslation();
  if (!quote) return null;
  const forcing = quote.ucs2_characters ?? [];
  return (
    <Stack gap="xs" aria-live="polite" data-testid="segment-counter">
      <Group gap="xs">
        <Text size="sm">
          {t("send.counter", {
            characters: quote.characters,
            encoding: quote.encoding.toUpperCase(),
            segments: quote.segments,
          })}
        </Text>
        <Badge variant="light">{t("send.counterSegments", { count: quote.segments })}</Badge>
      </Group>
      <Text size="sm">
        {quote.price === null
          ? t("send.noPrice")
          : t("send.price", { price: quote.price, currency: quote.currency })}
      </Text>
      {forcing.length > 0 && (
        <Group gap="xs">
          <Text size="sm">{t("send.ucs2")}</Text>
          {forcing.map((character) => (
            <Badge
              key={character}
              color="orange"
              variant="outline"
              tt="none"
              data-testid="ucs2-character"
            >
              {character}
            </Badge>
          ))}
          {canTransliterate && (
            <Button size="xs" variant="subtle" onClick={onTransliterate}>
              {t("send.transliterate")}
            </Button>
          )}
        </Group>
      )}
    </Stack>
  );
}
