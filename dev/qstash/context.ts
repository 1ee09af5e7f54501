import type { HeaderSource } from "./headers.js";
import type { Caller, Engine } from "./publish.js";
import type { Scheduler } from "./scheduler.js";

export interface FullEngine extends Engine {
  scheduler: Scheduler;
  log?: (line: string) => void;
}

export interface Ctx {
  method: string;
  /** Decoded path segments after "/v2/". */
  segs: string[];
  /** Raw (undecoded) path, exactly as sent; destinations are cut from it. */
  rawPath: string;
  rawQuery: string;
  query: URLSearchParams;
  headers: HeaderSource;
  body: Buffer;
  caller: Caller;
  engine: FullEngine;
}

export interface Reply {
  status: number;
  json?: unknown;
  text?: string;
  contentType?: string;
}

export const ok = (json?: unknown): Reply => ({ status: 200, json });

export function parseJsonBody(ctx: Ctx): unknown {
  if (ctx.body.length === 0) return undefined;
  try {
    return JSON.parse(ctx.body.toString("utf8"));
  } catch {
    return Symbol.for("invalid-json");
  }
}
