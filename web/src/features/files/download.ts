import { ProblemError } from "../../api/client";

/** Saves a file the API answered (CSV, PDF, zip) under `filename`. The API needs the bearer
 * token, so a plain link cannot fetch it: the screen fetches it as a blob through the typed
 * client and hands the browser an object URL to save. */
export async function saveBlob(
  call: Promise<{ data?: Blob; error?: unknown; response: Response }>,
  filename: string,
): Promise<void> {
  const { data, error, response } = await call;
  if (!response.ok || data === undefined) {
    // openapi-fetch parses a failure's problem+json whatever parseAs asked for.
    const problem = (error && typeof error === "object" ? error : {}) as Record<string, unknown>;
    throw new ProblemError({
      status: response.status,
      code: String(problem.code ?? "unexpected_response"),
      title: String(problem.title ?? response.statusText),
      ...problem,
    });
  }
  const url = URL.createObjectURL(data);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  // The browser has started the download once click() returns; the URL can go afterwards.
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
