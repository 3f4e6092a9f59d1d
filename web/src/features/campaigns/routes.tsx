import type { RouteObject } from "react-router-dom";

// Each screen is its own chunk, fetched when the route is first visited.
export const campaignsRoutes: RouteObject[] = [
  {
    path: "/campaigns",
    lazy: () => import("./CampaignsPage").then((m) => ({ Component: m.CampaignsPage })),
  },
  {
    path: "/campaigns/new",
    lazy: () => import("./CampaignCreate").then((m) => ({ Component: m.CampaignCreate })),
  },
  {
    path: "/campaigns/:campaignId",
    lazy: () => import("./CampaignDetail").then((m) => ({ Component: m.CampaignDetail })),
  },
];
