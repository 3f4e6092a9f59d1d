import "@mantine/core/styles.css";
import "./i18n";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { createBrowserRouter, RouterProvider } from "react-router-dom";
import { config as zodConfig } from "zod/v4/core";
import { Shell } from "./App";
import { campaignsRoutes } from "./features/campaigns/routes";
import { contactsRoutes } from "./features/contacts/routes";
import { opsRoutes } from "./features/ops/routes";
import { sendersRoutes } from "./features/senders/routes";
import { templatesRoutes } from "./features/templates/routes";
import { webhooksRoutes } from "./features/webhooks/routes";

// Production's Content-Security-Policy allows no eval: without this, zod probes for it with a
// `new Function` whose refusal the browser reports as a violation (web/e2e/fixtures.ts fails
// on it); its schemas work the same without the compiled fast path.
zodConfig({ jitless: true });

// Every screen is its own chunk, fetched when its route is first visited (the router's lazy
// routes): the first load carries the shell only, and a customer never fetches the console.
const router = createBrowserRouter([
  { path: "/login", lazy: () => import("./pages/Login").then((m) => ({ Component: m.Login })) },
  { path: "/signup", lazy: () => import("./pages/SignUp").then((m) => ({ Component: m.SignUp })) },
  {
    element: <Shell />,
    children: [
      {
        path: "/",
        lazy: () => import("./pages/Dashboard").then((m) => ({ Component: m.Dashboard })),
      },
      { path: "/send", lazy: () => import("./pages/Send").then((m) => ({ Component: m.Send })) },
      {
        path: "/messages",
        lazy: () => import("./pages/Messages").then((m) => ({ Component: m.Messages })),
      },
      {
        path: "/messages/:messageId",
        lazy: () => import("./pages/MessageDetail").then((m) => ({ Component: m.MessageDetail })),
      },
      ...contactsRoutes,
      ...campaignsRoutes,
      ...sendersRoutes,
      ...templatesRoutes,
      ...webhooksRoutes,
      {
        path: "/api-keys",
        lazy: () => import("./features/apikeys/ApiKeys").then((m) => ({ Component: m.ApiKeys })),
      },
      {
        path: "/billing",
        lazy: () => import("./features/billing/Billing").then((m) => ({ Component: m.Billing })),
      },
      {
        path: "/team",
        lazy: () => import("./features/team/Team").then((m) => ({ Component: m.Team })),
      },
      {
        path: "/privacy",
        lazy: () => import("./features/privacy/Privacy").then((m) => ({ Component: m.Privacy })),
      },
      ...opsRoutes,
    ],
  },
]);

const queryClient = new QueryClient({ defaultOptions: { queries: { staleTime: 1000 } } });
const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <MantineProvider>
        <QueryClientProvider client={queryClient}>
          <RouterProvider router={router} />
        </QueryClientProvider>
      </MantineProvider>
    </StrictMode>,
  );
}
