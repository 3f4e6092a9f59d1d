import type { RouteObject } from "react-router-dom";
import { ContactDetail } from "./ContactDetail";
import { ContactsPage } from "./ContactsPage";
import { FieldsPage } from "./FieldsPage";
import { GroupsPage } from "./GroupsPage";
import { ImportPage } from "./ImportPage";

export const contactsRoutes: RouteObject[] = [
  { path: "/contacts", element: <ContactsPage /> },
  { path: "/contacts/groups", element: <GroupsPage /> },
  { path: "/contacts/import", element: <ImportPage /> },
  { path: "/contacts/fields", element: <FieldsPage /> },
  { path: "/contacts/:contactId", element: <ContactDetail /> },
];
