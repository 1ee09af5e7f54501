import { callRoute } from "../helpers/requests";
import type { Call, Method, RouteHandler } from "./route-table";

/** Calls a route handler in-process the way Next would: its URL with params filled in and the query attached. */
export async function callPattern(
  handler: RouteHandler,
  pattern: string,
  method: Method,
  call: Call,
  extra: { cookie?: string; headers?: Record<string, string>; rawBody?: string } = {},
) {
  const filled = pattern.replace(/\[(?:\.\.\.)?(\w+)\]/g, (_, name: string) => encodeURIComponent(call.params?.[name] ?? name));
  const path = `${call.path ?? filled}${call.query ? `?${call.query}` : ""}`;
  return callRoute(handler, {
    method,
    path,
    params: call.params ?? {},
    body: extra.rawBody === undefined ? call.body : undefined,
    rawBody: extra.rawBody,
    cookie: extra.cookie,
    headers: extra.headers,
  });
}
