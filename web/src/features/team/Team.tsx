import { Stack, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { NS } from "./i18n";
import { Members } from "./Members";
import { Security } from "./Security";
import { Sessions } from "./Sessions";

export function Team() {
  const { t } = useTranslation(NS);
  return (
    <Stack>
      <Title order={1} size="h2">
        {t("title")}
      </Title>
      <Security />
      <Sessions />
      <Members />
    </Stack>
  );
}
