import { parseDuration } from "./duration.js";
import { addHeader, type HeaderMap, type HeaderSource, isValidHeaderName, isValidHeaderValue } from "./headers.js";
import { type CallbackConfig, type FlowControlSpec, HttpError, type Redact } from "./model.js";
import { compileRetryDelay } from "./retry-delay.js";

export interface PublishConfig {
  method: string;
  header: HeaderMap;
  maxRetries: number;
  retryDelay?: string;
  timeoutMs?: number;
  delayMs?: number;
  notBeforeS?: number;
  callback?: CallbackConfig;
  failureCallback?: CallbackConfig;
  flowControl?: FlowControlSpec;
  labels?: string[];
  redact?: Redact;
  dedupId?: string;
  contentDedup: boolean;
}

const METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]);
// Never forwarded in Upstash-Header-Forward mode: hop-by-hop or describing the API call itself.
const NOT_FORWARDED = new Set(["host", "content-length", "connection", "keep-alive", "transfer-encoding", "authorization", "upgrade", "expect"]);

const bad = (msg: string) => new HttpError(400, msg);

export function parseMethod(v: string | undefined, what = "Upstash-Method"): string | undefined {
  if (v === undefined) return undefined;
  const m = v.trim().toUpperCase();
  if (!METHODS.has(m)) throw bad(`invalid ${what}: ${v}`);
  return m;
}

export function parseRetries(v: string | undefined, what = "Upstash-Retries"): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\s*\d+\s*$/.test(v)) throw bad(`invalid ${what}: ${v}`);
  const n = Number(v);
  if (n > 100) throw bad(`${what} must be at most 100`);
  return n;
}

export function parseRetryDelayHeader(v: string | undefined, what = "Upstash-Retry-Delay"): string | undefined {
  if (v === undefined || v.trim() === "") return undefined;
  try {
    compileRetryDelay(v);
  } catch (e) {
    throw bad(`invalid ${what}: ${(e as Error).message}`);
  }
  return v.trim();
}

export function parseTimeout(v: string | undefined, what = "Upstash-Timeout"): number | undefined {
  if (v === undefined || v.trim() === "") return undefined;
  const ms = parseDuration(v);
  if (ms === null || ms <= 0) throw bad(`invalid ${what}: ${v}`);
  return ms;
}

export function parseDelay(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === "") return undefined;
  const ms = parseDuration(v);
  if (ms === null || ms < 0) throw bad(`invalid Upstash-Delay: ${v}`);
  return ms;
}

export function parseNotBefore(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === "") return undefined;
  if (!/^\s*\d+\s*$/.test(v)) throw bad(`invalid Upstash-Not-Before: ${v}`);
  return Number(v);
}

export function parseUrl(v: string, what: string): string {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw bad(`invalid ${what}: ${v}`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw bad(`invalid ${what}: endpoint has invalid scheme, add http:// or https://`);
  return v;
}

export function parseFlowControl(key: string | undefined, value: string | undefined): FlowControlSpec | undefined {
  if (key === undefined || key.trim() === "") return undefined;
  const spec: FlowControlSpec = { key: key.trim() };
  if (!/^[A-Za-z0-9._:-]+$/.test(spec.key)) throw bad(`invalid Upstash-Flow-Control-Key: ${key}`);
  for (const part of (value ?? "").split(",")) {
    const p = part.trim();
    if (p === "") continue;
    const eq = p.indexOf("=");
    if (eq < 0) throw bad(`invalid Upstash-Flow-Control-Value: ${value}`);
    const k = p.slice(0, eq).trim().toLowerCase();
    const v = p.slice(eq + 1).trim();
    if (k === "parallelism" || k === "rate") {
      if (!/^\d+$/.test(v) || Number(v) < 1) throw bad(`invalid flow control ${k}: ${v}`);
      spec[k] = Number(v);
    } else if (k === "period") {
      const ms = parseDuration(v);
      if (ms === null || ms < 1000 || ms > 7 * 86_400_000) throw bad(`invalid flow control period: ${v}`);
      spec.periodS = ms / 1000;
    } else {
      throw bad(`unknown flow control setting: ${k}`);
    }
  }
  if (spec.parallelism === undefined && spec.rate === undefined) throw bad("Upstash-Flow-Control-Value needs parallelism or rate");
  return spec;
}

function parseRedact(v: string | undefined): Redact | undefined {
  if (v === undefined || v.trim() === "") return undefined;
  const r: Redact = {};
  for (const part of v.split(",")) {
    const p = part.trim();
    if (p === "body") r.body = true;
    else if (p === "header" || p === "headers") r.allHeaders = true;
    else {
      const m = /^headers?\[(.+)\]$/.exec(p);
      if (!m) throw bad(`invalid Upstash-Redact-Fields: ${v}`);
      r.headers ??= [];
      r.headers.push(m[1].toLowerCase());
    }
  }
  return r;
}

function collectForwarded(h: HeaderSource, prefix: string): HeaderMap {
  const out: HeaderMap = {};
  for (const [k, v] of h.entries()) {
    const lk = k.toLowerCase();
    if (!lk.startsWith(prefix)) continue;
    const name = k.slice(prefix.length);
    if (!name || !isValidHeaderName(name) || !isValidHeaderValue(v)) throw bad(`invalid header: ${k}`);
    addHeader(out, name, v);
  }
  return out;
}

function callbackConfig(h: HeaderSource, base: "Upstash-Callback" | "Upstash-Failure-Callback"): CallbackConfig | undefined {
  const url = h.get(base);
  if (url === undefined || url.trim() === "") return undefined;
  const header = collectForwarded(h, `${base.toLowerCase()}-forward-`);
  return {
    url: parseUrl(url.trim(), base),
    header,
    method: parseMethod(h.get(`${base}-Method`), `${base}-Method`),
    retries: parseRetries(h.get(`${base}-Retries`), `${base}-Retries`),
    retryDelay: parseRetryDelayHeader(h.get(`${base}-Retry-Delay`), `${base}-Retry-Delay`),
    timeoutMs: parseTimeout(h.get(`${base}-Timeout`), `${base}-Timeout`),
  };
}

/** Reads every Upstash-* control header of a publish/enqueue/batch item/schedule request. */
export function parsePublishHeaders(h: HeaderSource, defaultRetries = 3): PublishConfig {
  let header: HeaderMap;
  if ((h.get("Upstash-Header-Forward") ?? "").toLowerCase() === "true") {
    header = {};
    for (const [k, v] of h.entries()) {
      const lk = k.toLowerCase();
      if (lk.startsWith("upstash-") || NOT_FORWARDED.has(lk)) continue;
      addHeader(header, k, v);
    }
  } else {
    header = collectForwarded(h, "upstash-forward-");
    const ct = h.get("Content-Type");
    if (ct !== undefined) header["Content-Type"] = [ct];
  }
  const dedupId = h.get("Upstash-Deduplication-Id")?.trim() || undefined;
  if (dedupId?.includes(":")) throw bad("DeduplicationId cannot contain ':'");
  const labelHeader = h.get("Upstash-Label");
  const labels = labelHeader
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    method: parseMethod(h.get("Upstash-Method")) ?? "POST",
    header,
    maxRetries: parseRetries(h.get("Upstash-Retries")) ?? defaultRetries,
    retryDelay: parseRetryDelayHeader(h.get("Upstash-Retry-Delay")),
    timeoutMs: parseTimeout(h.get("Upstash-Timeout")),
    delayMs: parseDelay(h.get("Upstash-Delay")),
    notBeforeS: parseNotBefore(h.get("Upstash-Not-Before")),
    callback: callbackConfig(h, "Upstash-Callback"),
    failureCallback: callbackConfig(h, "Upstash-Failure-Callback"),
    flowControl: parseFlowControl(h.get("Upstash-Flow-Control-Key"), h.get("Upstash-Flow-Control-Value")),
    labels: labels?.length ? labels : undefined,
    redact: parseRedact(h.get("Upstash-Redact-Fields")),
    dedupId,
    contentDedup: (h.get("Upstash-Content-Based-Deduplication") ?? "").toLowerCase() === "true",
  };
}
