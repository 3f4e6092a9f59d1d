import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The file the production image's nginx includes in every location that serves the app. */
export const SECURITY_HEADERS_CONF = fileURLToPath(
  new URL("../nginx/security-headers.conf", import.meta.url),
);

/** The headers of nginx's `add_header NAME VALUE [always];` lines, read from the image's own
 * file (one source of truth): `vite preview` sends them too, so the end-to-end tests run under
 * the Content-Security-Policy production has and a violation fails them. */
export function nginxHeaders(
  text = readFileSync(SECURITY_HEADERS_CONF, "utf8"),
): Record<string, string> {
  const headers: Record<string, string> = {};
  const line = /^\s*add_header\s+(\S+)\s+(?:"([^"]*)"|'([^']*)'|([^\s;]+))(?:\s+always)?\s*;/gm;
  for (const match of text.matchAll(line)) {
    const [, name, double, single, bare] = match;
    if (name) headers[name] = double ?? single ?? bare ?? "";
  }
  if (!headers["Content-Security-Policy"]) {
    throw new Error(`no Content-Security-Policy in ${SECURITY_HEADERS_CONF}: the e2e needs it`);
  }
  return headers;
}
