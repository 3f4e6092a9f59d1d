import type { RouteObject } from "react-router-dom";
import { SendersPage } from "./SendersPage";

export const sendersRoutes: RouteObject[] = [{ path: "/senders", element: <SendersPage /> }];
