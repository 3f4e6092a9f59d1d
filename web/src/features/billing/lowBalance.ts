import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";

/** One cache entry for the threshold: the billing screen's form writes what the dashboard's
 * warning reads, so a threshold just set shows there without waiting for a poll. */
export const LOW_BALANCE_KEY = ["low-balance-threshold"] as const;

/** The account's low-balance threshold and whether the balance is below it. Polled as often
 * as the caller polls the balance: `below` changes with every charge and top-up. */
export function useLowBalance(refetchInterval: number) {
  return useQuery({
    queryKey: LOW_BALANCE_KEY,
    queryFn: () => unwrap(api.GET("/v1/billing/low-balance-threshold")),
    refetchInterval,
  });
}
