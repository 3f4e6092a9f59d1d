import type { RouteObject } from "react-router-dom";

// Its own chunk, fetched when the route is first visited.
export const sendersRoutes: RouteObject[] = [
  {
    path: "/senders",
    lazy: () => import("./SendersPage").then((m) => ({ Component: m.SendersPage })),
  },
];
