import type { z } from "zod";
import { log } from "@/lib/log";
import { dependencyOf, dependencyUnavailable } from "./dependency-errors";

export const ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  quota_exceeded: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable_entity: 422,
  rate_limited: 429,
  internal_error: 500,
  unavailable: 503,
  /** Postgres, S3 or QStash did not answer in time; `details.dependency` says which. */
  dependency_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** The one error type routes throw; the wrappers turn it into `{ error: { code, message } }`. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "ApiError";
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export function errorResponse(error: ApiError, headers?: HeadersInit): Response {
  const out = new Headers(headers);
  // A 429 says when to come back (RFC 9110 §10.2.3); the body repeats it for people.
  const retryAfter = error.details?.retryAfterSeconds;
  if (error.code === "rate_limited" && typeof retryAfter === "number") out.set("retry-after", String(retryAfter));
  return Response.json(
    { error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } },
    { status: error.status, headers: out },
  );
}

/** Unknown errors never echo internals: they are logged and answered with a generic 500. */
export function handleError(error: unknown, context: string): Response {
  if (error instanceof ApiError) return errorResponse(error);
  const dependency = dependencyOf(error);
  if (dependency) {
    const cause = (error as { cause?: unknown })?.cause;
    log.error("dependency unavailable", {
      context,
      dependency,
      error: error instanceof Error ? error.message.slice(0, 200) : String(error),
      cause: cause instanceof Error ? cause.message : undefined,
    });
    return errorResponse(dependencyUnavailable(dependency));
  }
  if (isUnstorableText(error)) return errorResponse(new ApiError("bad_request", "The request contains a character that cannot be stored (such as U+0000)."));
  log.error("unexpected error", { context, error });
  return errorResponse(new ApiError("internal_error", "Something went wrong on our side. It has been logged."));
}

/**
 * Postgres refuses NUL (and bytes invalid in UTF-8) in text: 22021 / 22P05. Such input
 * reaching a query is the caller's fault, so it is a 400, not a 500; the parsers name the
 * field where they can (parse-body.ts).
 */
function isUnstorableText(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === "22021" || code === "22P05") return true;
  }
  return false;
}

export function zodToApiError(error: z.ZodError): ApiError {
  const first = error.issues[0];
  const field = first?.path.join(".") || "body";
  return new ApiError("unprocessable_entity", `${field}: ${first?.message ?? "invalid"}`, {
    issues: error.issues.map((i) => ({ field: i.path.join("."), message: i.message })),
  });
}
