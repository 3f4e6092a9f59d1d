import type { RouteObject } from "react-router-dom";

// Each screen is its own chunk, fetched when the route is first visited.
export const contactsRoutes: RouteObject[] = [
  {
    path: "/contacts",
    lazy: () => import("./ContactsPage").then((m) => ({ Component: m.ContactsPage })),
  },
  {
    path: "/contacts/groups",
    lazy: () => import("./GroupsPage").then((m) => ({ Component: m.GroupsPage })),
  },
  {
    path: "/contacts/import",
    lazy: () => import("./ImportPage").then((m) => ({ Component: m.ImportPage })),
  },
  {
    path: "/contacts/fields",
    lazy: () => import("./FieldsPage").then((m) => ({ Component: m.FieldsPage })),
  },
  {
    path: "/contacts/:contactId",
    lazy: () => import("./ContactDetail").then((m) => ({ Component: m.ContactDetail })),
  },
];
