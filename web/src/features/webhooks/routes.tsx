import type { RouteObject } from "react-router-dom";
import { WebhookAttempts } from "./WebhookAttempts";
import { WebhooksPage } from "./WebhooksPage";

export const webhooksRoutes: RouteObject[] = [
  { path: "/webhooks", element: <WebhooksPage /> },
  { path: "/webhooks/:webhookId", element: <WebhookAttempts /> },
];
