import { AppShell, Burger, Button, Group, NativeSelect, NavLink, Text } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, Navigate, Outlet, useLocation, useNavigate } from "react-router-dom";
import { api } from "./api/client";
import { session } from "./auth/session";
import { LANGUAGES, type Language, setLanguage } from "./i18n";

function useLoggedIn(): boolean {
  const [loggedIn, setLoggedIn] = useState(session.loggedIn);
  useEffect(() => session.subscribe(setLoggedIn), []);
  return loggedIn;
}

export function LanguagePicker() {
  const { t, i18n } = useTranslation();
  return (
    <NativeSelect
      aria-label={t("app.language")}
      size="xs"
      value={i18n.language}
      data={Object.entries(LANGUAGES).map(([value, label]) => ({ value, label }))}
      onChange={(event) => setLanguage(event.currentTarget.value as Language)}
    />
  );
}

/** The signed-in frame: a header, a navigation that folds into a burger below 768 px. */
export function Shell() {
  const { t } = useTranslation();
  const loggedIn = useLoggedIn();
  const location = useLocation();
  const navigate = useNavigate();
  const [opened, { toggle, close }] = useDisclosure();
  if (!loggedIn) return <Navigate to="/login" replace />;
  // Operators (role `ops`) see only their console; customers never see it.
  const operator = session.claims().role === "ops";
  if (operator && location.pathname === "/") return <Navigate to="/ops/senders" replace />;
  const links = [
    { to: "/", label: t("app.nav.dashboard") },
    { to: "/send", label: t("app.nav.send") },
    { to: "/messages", label: t("app.nav.messages") },
    { to: "/contacts", label: t("app.nav.contacts") },
    { to: "/campaigns", label: t("app.nav.campaigns") },
    { to: "/senders", label: t("app.nav.senders") },
    { to: "/templates", label: t("app.nav.templates") },
    { to: "/webhooks", label: t("app.nav.webhooks") },
    { to: "/billing", label: t("app.nav.billing") },
    { to: "/api-keys", label: t("app.nav.apiKeys") },
    { to: "/team", label: t("app.nav.team") },
    { to: "/privacy", label: t("app.nav.privacy") },
    { to: "/ops/senders", label: t("app.nav.opsSenders") },
    { to: "/ops/smsc", label: t("app.nav.opsSmsc") },
    { to: "/ops/accounts", label: t("app.nav.opsAccounts") },
    { to: "/ops/content-rules", label: t("app.nav.opsContent") },
    { to: "/ops/tariffs", label: t("app.nav.opsTariffs") },
    { to: "/ops/invoices", label: t("app.nav.opsInvoices") },
    { to: "/ops/refunds", label: t("app.nav.opsRefunds") },
    { to: "/ops/penalties", label: t("app.nav.opsPenalties") },
    { to: "/ops/breach-notices", label: t("app.nav.opsBreachNotices") },
    { to: "/ops/numbers", label: t("app.nav.opsNumbers") },
    { to: "/ops/announcements", label: t("app.nav.opsAnnouncements") },
    { to: "/ops/destinations", label: t("app.nav.opsDestinations") },
    { to: "/ops/inbound", label: t("app.nav.opsInbound") },
  ].filter((link) => link.to.startsWith("/ops/") === operator);
  const logOut = async () => {
    const refresh_token = session.refreshToken;
    if (refresh_token) await api.POST("/v1/auth/logout", { body: { refresh_token } });
    session.end();
    navigate("/login");
  };
  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 220, breakpoint: "sm", collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group>
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="menu" />
            <Text fw={700}>{t("app.name")}</Text>
          </Group>
          <Group gap="xs">
            <LanguagePicker />
            <Button variant="subtle" size="xs" onClick={logOut}>
              {t("app.logout")}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav">
        {links.map((link) => (
          <NavLink
            key={link.to}
            component={Link}
            to={link.to}
            label={link.label}
            active={location.pathname === link.to}
            onClick={close}
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
