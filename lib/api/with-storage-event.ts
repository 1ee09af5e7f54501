import { createHash, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { getEnv } from "@/lib/env";
import { ApiError, errorResponse, handleError } from "./errors";
import { readLimited } from "./parse-body";
import { withQstash } from "./with-qstash";

const MAX_BODY_BYTES = 256 * 1024;
export const STORAGE_SECRET_HEADER = "x-biblio-storage-secret";

export type StorageEventContext = { req: Request; body: unknown; via: "qstash" | "secret"; messageId: string | null; retried: number };
type Handler = (ctx: StorageEventContext) => Promise<Response>;

/**
 * For the storage-event webhook. Two ways in, both checked before the body is parsed:
 * - through QStash (the storage or EventBridge publishes to QStash, which retries and
 *   bounds parallelism): the Upstash-Signature on the raw body, via `withQstash`;
 * - direct delivery: the shared `STORAGE_EVENT_SECRET`, as `X-Biblio-Storage-Secret`, a
 *   Bearer token (EventBridge API-destination connection) or the basic-auth password
 *   (SNS `https://user:secret@host/…`), compared in constant time.
 * No credential, or no secret configured: 401. Fails closed.
 */
export function withStorageEvent(handler: Handler) {
  const signed = withQstash(z.unknown(), (ctx) => handler({ req: ctx.req, body: ctx.body, via: "qstash", messageId: ctx.messageId, retried: ctx.retried }));
  return async (req: Request): Promise<Response> => {
    if (req.headers.has("upstash-signature")) return signed(req);
    const pathname = new URL(req.url).pathname;
    try {
      if (!secretMatches(req.headers)) throw new ApiError("unauthorized", "Storage events need an Upstash-Signature or the shared secret.");
      const rawBody = await readLimited(req, MAX_BODY_BYTES);
      let body: unknown;
      try {
        body = JSON.parse(rawBody);
      } catch {
        throw new ApiError("bad_request", "The body is not valid JSON.");
      }
      return await handler({ req, body, via: "secret", messageId: null, retried: 0 });
    } catch (error) {
      if (error instanceof ApiError) return errorResponse(error);
      return handleError(error, `${req.method} ${pathname}`);
    }
  };
}

function presentedSecret(headers: Headers): string | null {
  const direct = headers.get(STORAGE_SECRET_HEADER);
  if (direct) return direct;
  const auth = headers.get("authorization") ?? "";
  if (auth.startsWith("Bearer ")) return auth.slice(7).trim();
  if (auth.startsWith("Basic ")) {
    const decoded = Buffer.from(auth.slice(6).trim(), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    return colon >= 0 ? decoded.slice(colon + 1) : null;
  }
  return null;
}

function secretMatches(headers: Headers): boolean {
  const expected = getEnv().STORAGE_EVENT_SECRET;
  const given = presentedSecret(headers);
  if (!expected || !given) return false;
  // Equal-length digests, so timingSafeEqual neither throws nor leaks the secret's length.
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}
