import type { z } from "zod";
import { ApiError, zodToApiError } from "./errors";

const DEFAULT_MAX_BYTES = 64 * 1024;

/**
 * Reads at most `maxBytes` of the body, then parses JSON and validates it. Oversized
 * bodies are refused before they are buffered whole.
 */
export async function parseJsonBody<T extends z.ZodType>(req: Request, schema: T, maxBytes = DEFAULT_MAX_BYTES): Promise<z.infer<T>> {
  const type = req.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) {
    throw new ApiError("unsupported_media_type", "Send the body as application/json.");
  }
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw new ApiError("payload_too_large", `The body exceeds ${maxBytes} bytes.`);
  const text = await readLimited(req, maxBytes);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ApiError("bad_request", "The body is not valid JSON.");
  }
  assertStorableText(json);
  const result = schema.safeParse(json);
  if (!result.success) throw zodToApiError(result.error);
  return result.data;
}

/** Postgres text cannot hold NUL; refusing it here names the field instead of failing a query later. */
function assertStorableText(value: unknown, path: (string | number)[] = []): void {
  if (typeof value === "string") {
    if (value.includes("\u0000")) throw new ApiError("unprocessable_entity", `${path.join(".") || "body"}: must not contain NUL characters`);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => {
      assertStorableText(v, [...path, i]);
    });
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      assertStorableText(k, path);
      assertStorableText(v, [...path, k]);
    }
  }
}

export async function readLimited(req: Request, maxBytes: number): Promise<string> {
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new ApiError("payload_too_large", `The body exceeds ${maxBytes} bytes.`);
    }
    chunks.push(value);
  }
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    joined.set(c, offset);
    offset += c.byteLength;
  }
  return new TextDecoder().decode(joined);
}

/** Validates route params and query strings; any invalid field, an id included, is a 422 naming it. */
export function parseParams<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  assertStorableText(value);
  const result = schema.safeParse(value);
  if (!result.success) throw zodToApiError(result.error);
  return result.data;
}
