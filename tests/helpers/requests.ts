import { getEnv } from "@/lib/env";

type Handler<P> = (req: Request, ctx: { params: Promise<P> }) => Promise<Response>;

/** Calls a route handler with a real Request, as Next would, from the app's own origin. */
export async function callRoute<P extends Record<string, string>>(
  handler: Handler<P>,
  opts: { method?: string; path?: string; params?: P; cookie?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const appUrl = getEnv().APP_URL;
  const method = opts.method ?? "GET";
  const headers = new Headers(opts.headers);
  if (opts.cookie) headers.set("cookie", opts.cookie);
  if (method !== "GET" && !headers.has("origin")) headers.set("origin", new URL(appUrl).origin);
  let body: string | undefined = opts.rawBody;
  if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json");
  const req = new Request(new URL(opts.path ?? "/api/test", appUrl), { method, headers, body });
  const res = await handler(req, { params: Promise.resolve((opts.params ?? {}) as P) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, body: parsed, headers: res.headers };
}
