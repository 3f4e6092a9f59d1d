import type { RouteObject } from "react-router-dom";
import { CampaignCreate } from "./CampaignCreate";
import { CampaignDetail } from "./CampaignDetail";
import { CampaignsPage } from "./CampaignsPage";

export const campaignsRoutes: RouteObject[] = [
  { path: "/campaigns", element: <CampaignsPage /> },
  { path: "/campaigns/new", element: <CampaignCreate /> },
  { path: "/campaigns/:campaignId", element: <CampaignDetail /> },
];
