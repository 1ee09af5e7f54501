// Duration grammar shared by Upstash-Delay, Upstash-Timeout, flow-control period and
// Retry-After style headers: concatenated "<number><unit>" (Go time.ParseDuration plus "d").
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
const PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/y;

/** Parses "10s", "1d10h30m", "1.5s", "6m5s"; a bare number means seconds. Returns ms or null. */
export function parseDuration(input: string): number | null {
  const s = input.trim();
  if (s === "") return null;
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < s.length) {
    const start = PART.lastIndex;
    const m = PART.exec(s);
    if (!m || m.index !== start) return null;
    total += Number(m[1]) * UNIT_MS[m[2]];
  }
  return Number.isFinite(total) ? total : null;
}

/**
 * Destination-provided retry hints (Retry-After, X-RateLimit-Reset*): seconds, an HTTP date,
 * or a Go duration. Epoch-second values are accepted too because some rate limiters send them.
 */
export function parseRetryHint(value: string, nowMs: number): number | null {
  const v = value.trim();
  if (v === "") return null;
  if (/^\d+(\.\d+)?$/.test(v)) {
    const n = Number(v);
    if (n > 1e9) return Math.max(0, n * 1000 - nowMs);
    return n * 1000;
  }
  const d = parseDuration(v);
  if (d !== null) return d;
  const date = Date.parse(v);
  if (!Number.isNaN(date) && /[a-z]/i.test(v)) return Math.max(0, date - nowMs);
  return null;
}
