import "@mantine/core/styles.css";
import "./i18n";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { createBrowserRouter, RouterProvider } from "react-router-dom";
import { Shell } from "./App";
import { ApiKeys } from "./features/apikeys/ApiKeys";
import { Billing } from "./features/billing/Billing";
import { campaignsRoutes } from "./features/campaigns/routes";
import { contactsRoutes } from "./features/contacts/routes";
import { OpsAccounts } from "./features/ops/Accounts";
import { OpsContentRules } from "./features/ops/ContentRules";
import { OpsInvoices } from "./features/ops/Invoices";
import { OpsSenders } from "./features/ops/Senders";
import { OpsSmsc } from "./features/ops/Smsc";
import { OpsTariffs } from "./features/ops/Tariffs";
import { Privacy } from "./features/privacy/Privacy";
import { sendersRoutes } from "./features/senders/routes";
import { Team } from "./features/team/Team";
import { templatesRoutes } from "./features/templates/routes";
import { webhooksRoutes } from "./features/webhooks/routes";
import { Dashboard } from "./pages/Dashboard";
import { Login } from "./pages/Login";
import { MessageDetail } from "./pages/MessageDetail";
import { Messages } from "./pages/Messages";
import { Send } from "./pages/Send";
import { SignUp } from "./pages/SignUp";

const router = createBrowserRouter([
  { path: "/login", element: <Login /> },
  { path: "/signup", element: <SignUp /> },
  {
    element: <Shell />,
    children: [
      { path: "/", element: <Dashboard /> },
      { path: "/send", element: <Send /> },
      { path: "/messages", element: <Messages /> },
      { path: "/messages/:messageId", element: <MessageDetail /> },
      ...contactsRoutes,
      ...campaignsRoutes,
      ...sendersRoutes,
      ...templatesRoutes,
      ...webhooksRoutes,
      { path: "/api-keys", element: <ApiKeys /> },
      { path: "/billing", element: <Billing /> },
      { path: "/team", element: <Team /> },
      { path: "/privacy", element: <Privacy /> },
      { path: "/ops/senders", element: <OpsSenders /> },
      { path: "/ops/smsc", element: <OpsSmsc /> },
      { path: "/ops/accounts", element: <OpsAccounts /> },
      { path: "/ops/content-rules", element: <OpsContentRules /> },
      { path: "/ops/tariffs", element: <OpsTariffs /> },
      { path: "/ops/invoices", element: <OpsInvoices /> },
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
