import createClient, { type Middleware } from "openapi-fetch";
import { session } from "../auth/session";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];

/** An RFC 9457 problem as every service answers it: `code` is stable, `detail` is for people. */
export interface Problem {
  status: number;
  code: string;
  title: string;
  detail?: string;
  errors?: { location: (string | number)[]; message: string; type: string }[];
  [extension: string]: unknown;
}

export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
  }
}

const authorize: Middleware = {
  async onRequest({ request }) {
    const token = await session.accessToken();
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: globalThis.location?.origin ?? "" });
api.use(authorize);

/** The body of a successful answer, or a ProblemError the screens show next to their fields. */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  // A 204 (a revoke, a delete) has no body: success all the same, with nothing to return.
  if (response.ok && error === undefined) return data as T;
  if (error !== undefined || data === undefined) {
    const problem = (error ?? {}) as Partial<Problem>;
    throw new ProblemError({
      status: response.status,
      code: problem.code ?? "unexpected_response",
      title: problem.title ?? response.statusText,
      ...problem,
    } as Problem);
  }
  return data;
}
