import type { IncomingHttpHeaders } from "node:http";

export type HeaderMap = Record<string, string[]>;

/** Go's textproto canonical form ("bypass-tunnel-reminder" → "Bypass-Tunnel-Reminder"), as QStash reports header maps. */
export function canonicalHeader(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_, d: string, c: string) => d + c.toUpperCase());
}

const TOKEN_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
export function isValidHeaderName(name: string): boolean {
  return TOKEN_RE.test(name);
}
export function isValidHeaderValue(value: string): boolean {
  return !/[\r\n\0]/.test(value);
}

/** Uniform read access over node's incoming headers and batch-item header objects. */
export interface HeaderSource {
  get(name: string): string | undefined;
  entries(): Iterable<[string, string]>;
}

export function fromIncoming(h: IncomingHttpHeaders): HeaderSource {
  return {
    get(name) {
      const v = h[name.toLowerCase()];
      return Array.isArray(v) ? v.join(", ") : v;
    },
    entries() {
      const out: [string, string][] = [];
      for (const k in h) {
        const v = h[k];
        if (v !== undefined) out.push([k, Array.isArray(v) ? v.join(", ") : v]);
      }
      return out;
    },
  };
}

export function fromRecord(rec: Record<string, string>, fallback?: HeaderSource): HeaderSource {
  const lower = new Map<string, string>();
  for (const [k, v] of Object.entries(rec)) lower.set(k.toLowerCase(), String(v));
  return {
    get(name) {
      return lower.get(name.toLowerCase()) ?? fallback?.get(name);
    },
    *entries() {
      yield* lower.entries();
      if (fallback) for (const [k, v] of fallback.entries()) if (!lower.has(k.toLowerCase())) yield [k.toLowerCase(), v];
    },
  };
}

export function addHeader(map: HeaderMap, name: string, value: string): void {
  const key = canonicalHeader(name);
  let values = map[key];
  if (!values) {
    values = [];
    map[key] = values;
  }
  values.push(value);
}

export function headersToMap(h: Record<string, string | string[] | undefined>): HeaderMap {
  const out: HeaderMap = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    out[canonicalHeader(k)] = Array.isArray(v) ? v : [String(v)];
  }
  return out;
}
