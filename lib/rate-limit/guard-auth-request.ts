import { ApiError, errorResponse, handleError } from "@/lib/api/errors";
import { assertSameOrigin } from "@/lib/api/same-origin";
import { clientIp } from "./client-ip";
import { consumeRateLimit } from "./consume-rate-limit";

const MAX_PEEK_BYTES = 16 * 1024;

/**
 * The checks before better-auth sees a POST; null lets it through. Only our own pages
 * post here, so another origin is refused (better-auth checks origins only when the
 * request carries cookies, which leaves login CSRF open). Then the shared,
 * Postgres-held limits for password sign-in and sign-up. Sign-in counts per account (the
 * email, hashed so the table holds no addresses) and per trusted IP; sign-up per
 * trusted IP and overall.
 */
export async function guardAuthRequest(req: Request): Promise<Response | null> {
  const path = new URL(req.url).pathname;
  try {
    assertSameOrigin(req);
    if (path.endsWith("/sign-in/email")) {
      await consumeRateLimit("auth.sign-in", { ip: clientIp(req.headers), account: await accountKey(req) });
    } else if (path.endsWith("/sign-up/email")) {
      await consumeRateLimit("auth.sign-up", { ip: clientIp(req.headers) });
    }
    return null;
  } catch (error) {
    if (error instanceof ApiError) return errorResponse(error);
    return handleError(error, `${req.method} ${path}`);
  }
}

async function accountKey(req: Request): Promise<string | null> {
  const text = await req
    .clone()
    .text()
    .catch(() => "");
  if (text.length > MAX_PEEK_BYTES) return null;
  let email: unknown;
  try {
    email = (JSON.parse(text) as { email?: unknown })?.email;
  } catch {
    return null;
  }
  if (typeof email !== "string" || !email) return null;
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(email.trim().toLowerCase()));
  return Array.from(new Uint8Array(digest).slice(0, 16), (b) => b.toString(16).padStart(2, "0")).join("");
}
