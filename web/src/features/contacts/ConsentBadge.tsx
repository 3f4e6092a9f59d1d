import { Badge } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { Schemas } from "../../api/client";
import { NS } from "./i18n";

/** A number's latest consent record for one purpose, in a word and a colour. */
export function ConsentBadge({
  purpose,
  state,
}: {
  purpose: "marketing" | "transactional";
  state: Schemas["ConsentState"] | null | undefined;
}) {
  const { t } = useTranslation(NS);
  const word = !state ? "none" : state.granted ? "granted" : "withdrawn";
  const color = !state ? "gray" : state.granted ? "green" : "red";
  return (
    <Badge color={color} variant="light" tt="none" data-consent={`${purpose}:${word}`}>
      {t(`purposes.${purpose}`)}: {t(`consentState.${word}`)}
    </Badge>
  );
}
