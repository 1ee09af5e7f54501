import { HttpError } from "./model.js";

/** What every filterable record (message, DLQ entry, log event) exposes to the query filters. */
export interface FilterView {
  messageId: string;
  url: string;
  topicName?: string;
  queueName?: string;
  scheduleId?: string;
  labels?: string[];
  flowControlKey?: string;
  callerIp?: string;
  time: number;
  responseStatus?: number;
  state?: string;
}

/** Repeated params and comma-separated values are both accepted. */
export function multi(q: URLSearchParams, name: string): string[] | undefined {
  const all = q.getAll(name);
  if (!all.length) return undefined;
  const out = all
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);
  return out.length ? out : undefined;
}

export function intParam(q: URLSearchParams, name: string, def: number, min: number, max: number): number {
  const v = q.get(name);
  if (v === null || v === "") return def;
  if (!/^\d+$/.test(v)) throw new HttpError(400, `invalid ${name}: ${v}`);
  return Math.min(max, Math.max(min, Number(v)));
}

const STATE_ALIASES: Record<string, string[]> = {
  CANCELLED: ["CANCELED"],
  CANCELED: ["CANCELED"],
  IN_PROGRESS: ["ACTIVE", "RETRY", "ERROR"],
};

type Getter = (v: FilterView) => string | string[] | undefined;
const FIELDS: Record<string, Getter> = {
  messageId: (v) => v.messageId,
  messageIds: (v) => v.messageId,
  url: (v) => v.url,
  topicName: (v) => v.topicName,
  urlGroup: (v) => v.topicName,
  queueName: (v) => v.queueName,
  scheduleId: (v) => v.scheduleId,
  label: (v) => v.labels,
  flowControlKey: (v) => v.flowControlKey,
  callerIp: (v) => v.callerIp,
  callerIP: (v) => v.callerIp,
  host: (v) => safeUrl(v.url)?.host,
  path: (v) => safeUrl(v.url)?.pathname,
  responseStatus: (v) => (v.responseStatus === undefined ? undefined : String(v.responseStatus)),
  state: (v) => v.state,
};

function safeUrl(u: string): URL | undefined {
  try {
    return new URL(u);
  } catch {
    return undefined;
  }
}

/**
 * Refuses any query parameter the route does not know. A misspelt filter (`labeel=x`) must
 * never be read as "no filter", which on a bulk delete would mean "everything".
 */
export function rejectUnknownParams(q: URLSearchParams, known: readonly string[]): void {
  for (const name of new Set(q.keys())) {
    if (name !== "qstash_token" && !known.includes(name)) throw new HttpError(400, `unknown filter field: ${name}`);
  }
  const all = q.get("all");
  if (all !== null && all !== "true") throw new HttpError(400, `invalid all: ${all} (only all=true)`);
}

/**
 * Values of one filter are OR-ed, different filters AND-ed. `controls` are the route's
 * non-filter parameters (count, cursor, ids); anything else unknown is a 400.
 */
export function buildMatcher(q: URLSearchParams, allowed: readonly string[], controls: readonly string[]): (v: FilterView) => boolean {
  rejectUnknownParams(q, [...allowed, ...controls]);
  const checks: ((v: FilterView) => boolean)[] = [];
  for (const name of allowed) {
    if (name === "fromDate" || name === "toDate") {
      const raw = q.get(name);
      if (!raw) continue;
      const t = Number(raw);
      if (!Number.isFinite(t)) throw new HttpError(400, `invalid ${name}: ${raw}`);
      checks.push(name === "fromDate" ? (v) => v.time >= t : (v) => v.time <= t);
      continue;
    }
    let values = multi(q, name);
    if (!values) continue;
    if (name === "state") values = values.flatMap((s) => STATE_ALIASES[s.toUpperCase()] ?? [s.toUpperCase()]);
    const set = new Set(values);
    const get = FIELDS[name];
    checks.push((v) => {
      const x = get(v);
      if (x === undefined) return false;
      return Array.isArray(x) ? x.some((e) => set.has(e)) : set.has(x);
    });
  }
  return (v) => checks.every((c) => c(v));
}
