import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";

export function useGroups() {
  return useQuery({
    queryKey: ["contacts", "groups"],
    queryFn: () => unwrap(api.GET("/v1/contacts/groups")),
  });
}

export function useFields() {
  return useQuery({
    queryKey: ["contacts", "fields"],
    queryFn: () => unwrap(api.GET("/v1/contacts/fields")),
  });
}
