// Turns one configuration's raw observations into its matrix row, and the rows into the
// Markdown matrix, the JSON file and an SVG chart of the latency distributions.
import { QSTASH_PRICES, S3_PRICES, usdFor } from "../prices";
import type { HttpHit, PgSample } from "./proxies";

export type S3Kind = "LIST" | "HEAD" | "GET" | "PUT/POST" | "DELETE" | "client PUT";
export const S3_KINDS: S3Kind[] = ["LIST", "HEAD", "GET", "PUT/POST", "DELETE", "client PUT"];

/** The S3 operation a request to a path-style endpoint is, by the class AWS bills it in. */
export function classifyS3(hit: HttpHit): S3Kind {
  if (hit.presigned) return "client PUT";
  const q = new URLSearchParams(hit.query);
  const isBucketRoot = hit.path.split("/").filter(Boolean).length <= 1;
  if (hit.method === "HEAD") return "HEAD";
  if (hit.method === "DELETE" || (hit.method === "POST" && q.has("delete"))) return "DELETE";
  if (hit.method === "GET") return isBucketRoot || q.has("uploadId") || q.has("uploads") ? "LIST" : "GET";
  return "PUT/POST";
}

/** Messages a QStash API call creates (what Upstash bills), and what they are for. */
export function qstashMessages(hit: HttpHit): { count: number; kind: "job" | "storage-event" | "check" | "other" } {
  if (hit.method !== "POST" || hit.status >= 300) return { count: 0, kind: "other" };
  const kind = hit.path.includes("/api/jobs/process")
    ? "job"
    : hit.path.includes("/api/storage-events")
      ? "storage-event"
      : hit.path.includes("/api/uploads/check")
        ? "check"
        : "other";
  if (hit.path.startsWith("/v2/publish/") || hit.path.startsWith("/v2/enqueue/")) return { count: 1, kind };
  if (hit.path === "/v2/batch") {
    try {
      return { count: (JSON.parse(hit.reqBody ?? "[]") as unknown[]).length, kind: "other" };
    } catch {
      return { count: 1, kind: "other" };
    }
  }
  return { count: 0, kind };
}

export function percentile(values: number[], p: number): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export type PhaseResult = {
  uploads: number;
  bytesArrived: number;
  latencyMs: number[];
  processed: number;
  lastProcessedS: number | null;
  vanished: number;
  vanishedRecovered: number;
  vanishedLatencyMs: number[];
  abandoned: number;
  abandonedLeftAfterSweep: number | null;
  confirmedBy: Record<string, number>;
  dupTriggers: number;
  dupPublishesSuppressed: number;
  twice: number;
  s3: Record<S3Kind, number>;
  dbRoundTrips: number;
  qstashMessages: number;
  landingMs?: number;
  peakDbConnections?: number;
  peakProxyConnections?: number;
  pgP99Ms?: number | null;
  pgP50Ms?: number | null;
  pgQueries?: number;
};

export type ConfigResult = { name: string; triggers: string; note: string; main: PhaseResult; burst: PhaseResult; wallS: number };

export function pgStats(samples: PgSample[], from: number, to: number) {
  const ms = samples.filter((s) => s.at >= from && s.at <= to).map((s) => s.ms);
  return { p50: percentile(ms, 50), p99: percentile(ms, 99), n: ms.length };
}

/** Dollars per 1 M uploads for the app's own S3 requests and the QStash messages. */
export function costPerMillion(p: PhaseResult): { s3: number; qstash: number; total: number } {
  const per = (n: number) => (n / Math.max(1, p.uploads)) * 1_000_000;
  const s3 = usdFor(per(p.s3.LIST + p.s3["PUT/POST"]), S3_PRICES.putListClass) + usdFor(per(p.s3.HEAD + p.s3.GET), S3_PRICES.getClass);
  const qstash = usdFor(per(p.qstashMessages), QSTASH_PRICES.message);
  return { s3, qstash, total: s3 + qstash };
}

const f0 = (v: number | null | undefined) => (v === null || v === undefined ? "–" : Math.round(v).toLocaleString("en-US"));
const f1 = (v: number | null | undefined) => (v === null || v === undefined ? "–" : v.toFixed(1));
const f2 = (v: number | null | undefined) => (v === null || v === undefined ? "–" : v.toFixed(2));
const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(1)} %` : "–");
const per = (n: number, p: PhaseResult) => f2(n / Math.max(1, p.uploads));

export function renderMarkdown(
  results: ConfigResult[],
  meta: { command: string; n: number; burst: number; intervals: string; date: string; load: string },
): string {
  const head = `| | ${results.map((r) => `**${r.name}**`).join(" | ")} |`;
  const sep = `|---|${results.map(() => "---:").join("|")}|`;
  const row = (label: string, f: (r: ConfigResult) => string) => `| ${label} | ${results.map(f).join(" | ")} |`;
  const lines = [
    `\`${meta.command}\` — N = ${meta.n} uploads per configuration + a burst of ${meta.burst}; ${meta.intervals}; ${meta.date}, load ${meta.load}`,
    "",
    head,
    sep,
    row("`BIBLIO_TRIGGERS`", (r) => `\`${r.triggers}\``),
    row("last byte → job delivered p50 / p95 / p99 (ms)", (r) => [50, 95, 99].map((p) => f0(percentile(r.main.latencyMs, p))).join(" / ")),
    row("finished uploads processed", (r) => `${r.main.processed}/${r.main.bytesArrived} (${pct(r.main.processed, r.main.bytesArrived)})`),
    row("last byte → last one processed (s)", (r) => f1(r.main.lastProcessedS)),
    row("vanished clients recovered", (r) => `${r.main.vanishedRecovered}/${r.main.vanished}`),
    row("vanished: last byte → job p50 / max (s)", (r) =>
      r.main.vanishedLatencyMs.length ? `${f1(percentile(r.main.vanishedLatencyMs, 50)! / 1000)} / ${f1(Math.max(...r.main.vanishedLatencyMs) / 1000)}` : "–",
    ),
    row("abandoned multipart left after one sweep", (r) => `${r.main.abandonedLeftAfterSweep ?? "–"}/${r.main.abandoned}`),
    row(
      "confirmed by",
      (r) =>
        Object.entries(r.main.confirmedBy)
          .map(([s, n]) => `${s} ${n}`)
          .join(", ") || "–",
    ),
    row("duplicate triggers seen", (r) => f0(r.main.dupTriggers + r.burst.dupTriggers)),
    row("duplicate publishes suppressed (QStash dedup)", (r) => f0(r.main.dupPublishesSuppressed + r.burst.dupPublishesSuppressed)),
    row("**processed twice**", (r) => `**${r.main.twice + r.burst.twice}**`),
    row("S3 LIST / HEAD / GET per upload", (r) => `${per(r.main.s3.LIST, r.main)} / ${per(r.main.s3.HEAD, r.main)} / ${per(r.main.s3.GET, r.main)}`),
    row("S3 PUT+POST / DELETE per upload (app)", (r) => `${per(r.main.s3["PUT/POST"], r.main)} / ${per(r.main.s3.DELETE, r.main)}`),
    row("DB round trips per upload", (r) => per(r.main.dbRoundTrips, r.main)),
    row("QStash messages per upload", (r) => per(r.main.qstashMessages, r.main)),
    row("**cost per 1 M uploads** (S3 requests + QStash)", (r) => {
      const c = costPerMillion(r.main);
      return `**$${c.total.toFixed(2)}** ($${c.s3.toFixed(2)} + $${c.qstash.toFixed(2)})`;
    }),
    row(`burst: ${meta.burst} objects landed within (s)`, (r) => f1((r.burst.landingMs ?? 0) / 1000)),
    row("burst: processed / last processed (s)", (r) => `${r.burst.processed}/${r.burst.bytesArrived} / ${f1(r.burst.lastProcessedS)}`),
    row("burst: last byte → job p50 / p99 (ms)", (r) => `${f0(percentile(r.burst.latencyMs, 50))} / ${f0(percentile(r.burst.latencyMs, 99))}`),
    row("burst: peak DB connections (pg_stat_activity)", (r) => f0(r.burst.peakDbConnections)),
    row("burst: Postgres round trip p50 / p99 (ms)", (r) => `${f1(r.burst.pgP50Ms)} / ${f1(r.burst.pgP99Ms)}`),
    row("wall time of the configuration (s)", (r) => f0(r.wallS)),
  ];
  return `${lines.join("\n")}\n`;
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#111111"];

/** The latency distributions (empirical CDFs on a log time axis), one line per configuration. */
export function renderSvg(results: ConfigResult[]): string {
  const W = 820;
  const H = 420;
  const m = { l: 60, r: 260, t: 30, b: 50 };
  const all = results.flatMap((r) => r.main.latencyMs).filter((v) => v > 0);
  const lo = Math.max(1, Math.min(...all, 10));
  const hi = Math.max(...all, 100);
  const lx0 = Math.floor(Math.log10(lo));
  const lx1 = Math.ceil(Math.log10(hi));
  const x = (ms: number) => m.l + ((Math.log10(Math.max(ms, 10 ** lx0)) - lx0) / (lx1 - lx0)) * (W - m.l - m.r);
  const y = (q: number) => H - m.b - q * (H - m.t - m.b);
  const parts: string[] = [];
  parts.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  parts.push(`<text x="${m.l}" y="18" font-size="14" font-weight="bold">Last byte → job delivered: share of finished uploads by latency</text>`);
  for (let d = lx0; d <= lx1; d++) {
    const xv = x(10 ** d);
    parts.push(`<line x1="${xv}" y1="${m.t}" x2="${xv}" y2="${H - m.b}" stroke="#ddd"/>`);
    const label = 10 ** d >= 1000 ? `${10 ** (d - 3)} s` : `${10 ** d} ms`;
    parts.push(`<text x="${xv}" y="${H - m.b + 16}" font-size="11" text-anchor="middle">${label}</text>`);
  }
  for (const q of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(`<line x1="${m.l}" y1="${y(q)}" x2="${W - m.r}" y2="${y(q)}" stroke="#eee"/>`);
    parts.push(`<text x="${m.l - 6}" y="${y(q) + 4}" font-size="11" text-anchor="end">${q * 100} %</text>`);
  }
  parts.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 12}" font-size="12" text-anchor="middle">latency (log scale)</text>`);
  results.forEach((r, i) => {
    const color = COLORS[i % COLORS.length]!;
    const xs = [...r.main.latencyMs].sort((a, b) => a - b);
    const total = Math.max(1, r.main.bytesArrived);
    if (xs.length) {
      const pts = xs.map((v, k) => `${x(v).toFixed(1)},${y((k + 1) / total).toFixed(1)}`);
      parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${x(xs[0]!).toFixed(1)},${y(0)} ${pts.join(" ")}"/>`);
    }
    const ly = m.t + 10 + i * 22;
    parts.push(`<line x1="${W - m.r + 12}" y1="${ly}" x2="${W - m.r + 36}" y2="${ly}" stroke="${color}" stroke-width="3"/>`);
    parts.push(`<text x="${W - m.r + 42}" y="${ly + 4}" font-size="12">${escapeXml(r.name)} (${xs.length}/${total})</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">${parts.join("")}</svg>\n`;
}

const escapeXml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
