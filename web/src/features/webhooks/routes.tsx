import type { RouteObject } from "react-router-dom";

// Each screen is its own chunk, fetched when the route is first visited.
export const webhooksRoutes: RouteObject[] = [
  {
    path: "/webhooks",
    lazy: () => import("./WebhooksPage").then((m) => ({ Component: m.WebhooksPage })),
  },
  {
    path: "/webhooks/:webhookId",
    lazy: () => import("./WebhookAttempts").then((m) => ({ Component: m.WebhookAttempts })),
  },
];
