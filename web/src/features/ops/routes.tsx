import type { RouteObject } from "react-router-dom";

// The operators' console: a customer's browser never fetches any of it (each screen is its own
// chunk, fetched when an operator first opens it).
export const opsRoutes: RouteObject[] = [
  {
    path: "/ops/senders",
    lazy: () => import("./Senders").then((m) => ({ Component: m.OpsSenders })),
  },
  { path: "/ops/smsc", lazy: () => import("./Smsc").then((m) => ({ Component: m.OpsSmsc })) },
  {
    path: "/ops/accounts",
    lazy: () => import("./Accounts").then((m) => ({ Component: m.OpsAccounts })),
  },
  {
    path: "/ops/content-rules",
    lazy: () => import("./ContentRules").then((m) => ({ Component: m.OpsContentRules })),
  },
  {
    path: "/ops/tariffs",
    lazy: () => import("./Tariffs").then((m) => ({ Component: m.OpsTariffs })),
  },
  {
    path: "/ops/invoices",
    lazy: () => import("./Invoices").then((m) => ({ Component: m.OpsInvoices })),
  },
  {
    path: "/ops/refunds",
    lazy: () => import("./Refunds").then((m) => ({ Component: m.OpsRefunds })),
  },
  {
    path: "/ops/penalties",
    lazy: () => import("./Penalties").then((m) => ({ Component: m.OpsPenalties })),
  },
  {
    path: "/ops/breach-notices",
    lazy: () => import("./BreachNotices").then((m) => ({ Component: m.OpsBreachNotices })),
  },
  {
    path: "/ops/numbers",
    lazy: () => import("./Numbers").then((m) => ({ Component: m.OpsNumbers })),
  },
  {
    path: "/ops/announcements",
    lazy: () => import("./Announcements").then((m) => ({ Component: m.OpsAnnouncements })),
  },
  {
    path: "/ops/destinations",
    lazy: () => import("./Destinations").then((m) => ({ Component: m.OpsDestinations })),
  },
  {
    path: "/ops/inbound",
    lazy: () => import("./Inbound").then((m) => ({ Component: m.OpsInbound })),
  },
];
