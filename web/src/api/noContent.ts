import { type Problem, ProblemError } from "./client";

/** For operations that answer 204: resolves on success, else throws the ProblemError that
 * `unwrap` would (unwrap itself wants a body, which a 204 has not). */
export async function noContent(
  call: Promise<{ error?: unknown; response: Response }>,
): Promise<void> {
  const { error, response } = await call;
  if (response.ok) return;
  const problem = (error ?? {}) as Partial<Problem>;
  throw new ProblemError({
    status: response.status,
    code: problem.code ?? "unexpected_response",
    title: problem.title ?? response.statusText,
    ...problem,
  } as Problem);
}
