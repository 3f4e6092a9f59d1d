import type { RouteObject } from "react-router-dom";
import { TemplatesPage } from "./TemplatesPage";

export const templatesRoutes: RouteObject[] = [{ path: "/templates", element: <TemplatesPage /> }];
