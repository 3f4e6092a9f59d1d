/** The API lists no past export or erasure requests (only each by its id), so the screen
 * remembers the ids it asked for, per account, in this browser's localStorage. */
export function rememberedIds(kind: "exports" | "erasures", accountId: string | undefined) {
  const key = `smsgw.privacy.${kind}.${accountId ?? "unknown"}`;
  const read = (): string[] => {
    try {
      const value: unknown = JSON.parse(globalThis.localStorage?.getItem(key) ?? "[]");
      return Array.isArray(value) ? value.filter((id): id is string => typeof id === "string") : [];
    } catch {
      return [];
    }
  };
  const write = (ids: string[]) => localStorage.setItem(key, JSON.stringify(ids.slice(0, 20)));
  return {
    read,
    /** Newest first, without repeats, at most 20. */
    add: (id: string) => write([id, ...read().filter((x) => x !== id)]),
    remove: (id: string) => write(read().filter((x) => x !== id)),
  };
}
