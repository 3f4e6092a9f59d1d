import { Stack, Tabs, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router-dom";
import { Invoices } from "./Invoices";
import { NS } from "./i18n";
import { Overview } from "./Overview";
import { Transactions } from "./Transactions";
import { Usage } from "./Usage";

const TABS = ["overview", "transactions", "usage", "invoices"] as const;

/** Billing in tabs; the open tab is in the URL (?tab=usage) so it can be linked and reloaded. */
export function Billing() {
  const { t } = useTranslation(NS);
  const [params, setParams] = useSearchParams();
  const tab = TABS.find((name) => name === params.get("tab")) ?? "overview";
  return (
    <Stack>
      <Title order={1} size="h2">
        {t("title")}
      </Title>
      <Tabs
        value={tab}
        onChange={(value) => setParams(value ? { tab: value } : {})}
        keepMounted={false}
      >
        <Tabs.List>
          {TABS.map((name) => (
            <Tabs.Tab key={name} value={name}>
              {t(`tabs.${name}`)}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        <Tabs.Panel value="overview" pt="md">
          <Overview />
        </Tabs.Panel>
        <Tabs.Panel value="transactions" pt="md">
          <Transactions />
        </Tabs.Panel>
        <Tabs.Panel value="usage" pt="md">
          <Usage />
        </Tabs.Panel>
        <Tabs.Panel value="invoices" pt="md">
          <Invoices />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
