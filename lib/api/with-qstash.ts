import { Receiver } from "@upstash/qstash";
import type { z } from "zod";
import { getEnv } from "@/lib/env";
import { ApiError, errorResponse, handleError } from "./errors";
import { readLimited } from "./parse-body";

const MAX_BODY_BYTES = 256 * 1024;
/** Seconds of clock skew tolerated on the signature's nbf/exp; QStash signs with a 5-minute expiry. */
const CLOCK_TOLERANCE_S = 5;

export type QstashContext<T> = {
  req: Request;
  body: T;
  rawBody: string;
  messageId: string;
  /** `Upstash-Retried`: 0 on the first delivery. */
  retried: number;
  /** The publisher's trace context, forwarded by QStash (`Upstash-Forward-traceparent`). */
  traceparent: string | null;
};

type Handler<T> = (ctx: QstashContext<T>) => Promise<Response>;

let receiver: Receiver | undefined;

function getReceiver(): Receiver {
  if (receiver) return receiver;
  const env = getEnv();
  receiver = env.QSTASH_DEV
    ? new Receiver({ devMode: true })
    : new Receiver({ currentSigningKey: env.QSTASH_CURRENT_SIGNING_KEY!, nextSigningKey: env.QSTASH_NEXT_SIGNING_KEY!, devMode: false });
  return receiver;
}

/**
 * A 489 with `Upstash-NonRetryable-Error: true`: QStash stops retrying and dead-letters the
 * message. For deliveries that can never succeed (a payload this worker cannot read,
 * corrupt media).
 */
export function nonRetryableResponse(message: string, code = "unprocessable_entity"): Response {
  return Response.json({ error: { code, message } }, { status: 489, headers: { "Upstash-NonRetryable-Error": "true" } });
}

/**
 * For routes QStash calls. The signature is checked on the raw body text before anything
 * parses it, against `${APP_URL}${pathname}` (behind a proxy `req.url` is the internal
 * address, not the one QStash signed). It fails closed: no signature is 401, a bad or
 * expired one 403. Only then is the body parsed and validated.
 */
export function withQstash<S extends z.ZodType>(schema: S, handler: Handler<z.infer<S>>) {
  return async (req: Request): Promise<Response> => {
    const pathname = new URL(req.url).pathname;
    try {
      const signature = req.headers.get("upstash-signature");
      if (!signature) throw new ApiError("unauthorized", "Missing Upstash-Signature.");
      const rawBody = await readLimited(req, MAX_BODY_BYTES);
      try {
        await getReceiver().verify({ signature, body: rawBody, url: `${getEnv().APP_URL}${pathname}`, clockTolerance: CLOCK_TOLERANCE_S });
      } catch {
        throw new ApiError("forbidden", "Invalid Upstash-Signature.");
      }

      let json: unknown;
      try {
        json = JSON.parse(rawBody);
      } catch {
        return nonRetryableResponse("The body is not valid JSON.", "bad_request");
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        const first = parsed.error.issues[0];
        return nonRetryableResponse(`Invalid payload: ${first?.path.join(".") || "body"}: ${first?.message ?? "invalid"}`);
      }
      const retried = Number.parseInt(req.headers.get("upstash-retried") ?? "0", 10);
      return await handler({
        req,
        body: parsed.data,
        rawBody,
        messageId: req.headers.get("upstash-message-id") ?? "unknown",
        retried: Number.isFinite(retried) && retried >= 0 ? retried : 0,
        traceparent: req.headers.get("traceparent"),
      });
    } catch (error) {
      // An unexpected error is a 500, which QStash retries: lost work is worse than a retry.
      if (error instanceof ApiError) return errorResponse(error);
      return handleError(error, `${req.method} ${pathname}`);
    }
  };
}
