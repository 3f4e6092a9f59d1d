import type { QueryClient } from "@tanstack/react-query";

/** Lists the account's requests again after one was made. A first load still in flight is
 * cancelled first: invalidating alone would wait for it, and it may have been read before the
 * new request was stored, leaving the list without it. */
export async function refetch(client: QueryClient, queryKey: readonly unknown[]): Promise<void> {
  await client.cancelQueries({ queryKey });
  await client.invalidateQueries({ queryKey });
}
