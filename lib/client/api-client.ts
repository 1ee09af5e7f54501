/**
 * The browser's one way to call Biblio's HTTP API. Every non-2xx answer becomes an
 * `ApiRequestError` carrying the server's own message, which is written for people.
 */

export class ApiRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
    this.name = "ApiRequestError";
  }

  /** Uppy's retry logic reads `error.source.status`; 4xx answers are then not retried. */
  get source(): { status: number } {
    return { status: this.status };
  }
}

type RequestOptions = {
  method?: "GET" | "POST" | "DELETE";
  body?: unknown;
  signal?: AbortSignal;
};

const FALLBACK_MESSAGES: Record<number, string> = {
  401: "Your session has ended. Sign in again to continue.",
  403: "You don't have access to this.",
  404: "We couldn't find that. It may have been removed.",
  413: "This file is larger than your plan allows.",
  415: "This type of file isn't accepted on your plan.",
  429: "Too many requests right now. Wait a moment and try again.",
};

function fallbackMessage(status: number): string {
  if (status >= 500) return "Something went wrong on our side. Please try again in a moment.";
  return FALLBACK_MESSAGES[status] ?? "The request could not be completed.";
}

/** Our routes answer `{ error: { code, message } }`; better-auth answers `{ code, message }`. */
function readError(body: unknown): { code?: string; message?: string } {
  if (!body || typeof body !== "object") return {};
  const record = body as Record<string, unknown>;
  const inner = record.error && typeof record.error === "object" ? (record.error as Record<string, unknown>) : record;
  return {
    code: typeof inner.code === "string" ? inner.code : undefined,
    message: typeof inner.message === "string" && inner.message.trim() ? inner.message : undefined,
  };
}

export async function apiRequest<T>(path: string, { method = "GET", body, signal }: RequestOptions = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? { accept: "application/json" } : { accept: "application/json", "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      cache: "no-store",
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    // status 0 lets Uppy's retry rules treat this as a transient network failure
    throw new ApiRequestError("Could not reach Biblio. Check your connection and try again.", 0, "network_error");
  }

  const text = await res.text();
  let parsed: unknown = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
  }

  if (!res.ok) {
    const { code, message } = readError(parsed);
    // Never show a server's 5xx wording: it is generic at best.
    const shown = res.status >= 500 ? fallbackMessage(res.status) : (message ?? fallbackMessage(res.status));
    throw new ApiRequestError(shown, res.status, code ?? `http_${res.status}`);
  }
  return parsed as T;
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiRequestError) return error.message;
  if (error instanceof Error && error.message) return error.message;
  return "Something went wrong. Please try again.";
}
