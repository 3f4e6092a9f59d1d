import type { RouteObject } from "react-router-dom";

// Its own chunk, fetched when the route is first visited.
export const templatesRoutes: RouteObject[] = [
  {
    path: "/templates",
    lazy: () => import("./TemplatesPage").then((m) => ({ Component: m.TemplatesPage })),
  },
];
