import { getEnv } from "@/lib/env";
import { ApiError } from "./errors";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function sameSite(origin: string, appOrigin: string): boolean {
  const alias = (o: string) => o.replace("://127.0.0.1", "://localhost");
  return alias(origin) === alias(appOrigin);
}

/**
 * CSRF guard for cookie-authenticated, state-changing requests. Browsers always send
 * Origin (or Sec-Fetch-Site) on such requests; non-browser clients that send neither
 * cannot be driven by another site, so they pass.
 */
export function assertSameOrigin(req: Request): void {
  if (SAFE_METHODS.has(req.method)) return;
  const appOrigin = new URL(getEnv().APP_URL).origin;
  const origin = req.headers.get("origin");
  const fetchSite = req.headers.get("sec-fetch-site");
  // Sec-Fetch-Site is set by the browser and cannot be forged by a page: anything but
  // same-origin (or none, from non-browser clients) is refused even if Origin looks right.
  const foreignFetch = fetchSite === "cross-site" || fetchSite === "same-site";
  if (foreignFetch || (origin && origin !== "null" ? !sameSite(origin, appOrigin) : origin === "null")) {
    throw new ApiError("forbidden", "Cross-origin requests are not allowed.");
  }
}
