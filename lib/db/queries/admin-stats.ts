import { sql } from "drizzle-orm";
import { getDb } from "../client";
import { UPLOAD_SOURCES, UPLOAD_STATUSES, type UploadSource, type UploadStatus } from "../schema";

/** Buckets anchored at a fixed UTC instant, independent of the session time zone. */
const ORIGIN = sql.raw(`timestamptz '2000-01-01 00:00:00+00'`);
const bucket = (seconds: number) => sql`make_interval(secs => ${seconds})`;

/**
 * Timeline detail keys that say when the bytes themselves landed: the storage event's
 * `eventTime`, or the object's Last-Modified as seen by the confirming HEAD or listing.
 */
export const BYTES_AT_KEYS = ["bytesAt", "lastModified", "objectLastModified", "eventTime"] as const;

/**
 * The overview reads rollups (schema: uploadRollups, uploadLatencyHist, uploadStatusCounts),
 * kept exact by triggers on uploads, in 5-minute buckets. A window's start is rarely on a
 * bucket edge: rows before the first whole bucket (at most 5 minutes' worth) are read
 * from uploads itself, so every figure is the same as a full recount.
 */
export const ROLLUP_BUCKET_SECONDS = 300;
const ROLLUP_MS = ROLLUP_BUCKET_SECONDS * 1000;
const ORIGIN_MS = Date.UTC(2000, 0, 1);

/** The first rollup bucket that lies wholly inside a window starting at `since`. */
export function firstWholeBucket(since: Date): Date {
  return new Date(ORIGIN_MS + Math.ceil((since.getTime() - ORIGIN_MS) / ROLLUP_MS) * ROLLUP_MS);
}

function assertNests(bucketSeconds: number) {
  if (bucketSeconds % ROLLUP_BUCKET_SECONDS !== 0) throw new Error(`chart buckets must be whole multiples of ${ROLLUP_BUCKET_SECONDS} s, not ${bucketSeconds}`);
}

const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;
const CONFIRMED_KINDS = sql.join(
  UPLOAD_SOURCES.map((s) => sql`${`confirmed:${s}`}`),
  sql`, `,
);

/** Uploads per status, from the trigger-maintained counters. */
export async function getStatusCounts(): Promise<Record<UploadStatus, number>> {
  const result = await getDb().execute<{ status: UploadStatus; n: string }>(sql`select status, sum(n)::bigint as n from upload_status_counts group by status`);
  const counts = Object.fromEntries(UPLOAD_STATUSES.map((s) => [s, 0])) as Record<UploadStatus, number>;
  for (const r of result.rows) if (r.status in counts) counts[r.status] = Number(r.n);
  return counts;
}

export type ConfirmationBucket = { at: Date; source: UploadSource; files: number; bytes: number };

/** Uploads confirmed per trigger source and time bucket since `since`. */
export async function getConfirmationsByBucket(since: Date, bucketSeconds: number): Promise<ConfirmationBucket[]> {
  assertNests(bucketSeconds);
  const whole = firstWholeBucket(since);
  const result = await getDb().execute<{ at: string; source: UploadSource; files: number; bytes: string }>(sql`
    select date_bin(${bucket(bucketSeconds)}, r.bucket, ${ORIGIN}) as at, substr(r.kind, 11) as source, sum(r.files)::int as files, sum(r.bytes)::bigint as bytes
    from upload_rollups r
    where r.kind in (${CONFIRMED_KINDS}) and r.bucket >= ${ts(whole)}
    group by 1, 2
    union all
    select date_bin(${bucket(bucketSeconds)}, uploaded_at, ${ORIGIN}), source, count(*)::int, coalesce(sum(real_size), 0)::bigint
    from uploads
    where source in (${sql.join(
      UPLOAD_SOURCES.map((s) => sql`${s}`),
      sql`, `,
    )}) and uploaded_at >= ${ts(since)} and uploaded_at < ${ts(whole)}
    group by 1, 2`);
  const merged = new Map<string, ConfirmationBucket>();
  for (const r of result.rows) {
    const at = new Date(r.at);
    const key = `${at.getTime()} ${r.source}`;
    const b = merged.get(key) ?? { at, source: r.source, files: 0, bytes: 0 };
    b.files += r.files;
    b.bytes += Number(r.bytes);
    merged.set(key, b);
  }
  return [...merged.values()].filter((b) => b.files !== 0);
}

export type ProcessedBucket = { at: Date; files: number; bytes: number; p50Ms: number | null; p95Ms: number | null };

/** One histogram bin's share: bin b holds latencies in [2^(b/8), 2^((b+1)/8)) ms (schema: uploadLatencyHist). */
type BinCount = { bin: number; n: number };

/** Nearest-rank percentile of a latency histogram, as the geometric middle of its bin (within 4.5 % of the exact value). */
export function histogramPercentile(bins: BinCount[], p: number): number | null {
  const total = bins.reduce((n, b) => n + b.n, 0);
  if (total <= 0) return null;
  const rank = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (const b of [...bins].sort((x, y) => x.bin - y.bin)) {
    seen += b.n;
    if (seen >= rank) return Math.round(2 ** ((b.bin + 0.5) / 8));
  }
  return null;
}

/** Bucket widths (seconds) at which upload_latency_hist counts every sample; each nests in the next. */
export const HISTOGRAM_LEVELS = [300, 3_600, 21_600, 86_400] as const;

const ceilTo = (d: Date, seconds: number) => new Date(ORIGIN_MS + Math.ceil((d.getTime() - ORIGIN_MS) / (seconds * 1000)) * seconds * 1000);

export type LatencyKind = "processing" | `trigger:${UploadSource}` | `trigger-upper:${UploadSource}`;
export type HistogramRow = { at: Date | null; kind: LatencyKind; bin: number; n: number };

/**
 * The latency histogram of `kinds` from `since` on, per chart bucket of `chartSeconds` (or
 * one for the whole window when null), exactly as a recount over uploads would give it.
 * The window is cut at the first edge of each level: [since, 5-minute edge) comes from
 * uploads itself, then each level's whole buckets up to the next level's first edge, then
 * the coarsest level that fits in a chart bucket to the end. A week reads a few dozen
 * buckets, not 2,016.
 */
export async function getLatencyHistogram(since: Date, kinds: LatencyKind[], chartSeconds: number | null): Promise<HistogramRow[]> {
  if (chartSeconds !== null) assertNests(chartSeconds);
  const levels = HISTOGRAM_LEVELS.filter((l) => chartSeconds === null || l <= chartSeconds);
  const kindList = sql.join(
    kinds.map((k) => sql`${k}`),
    sql`, `,
  );
  const pieces = levels.map((level, i) => {
    const next = levels[i + 1];
    const upper = next === undefined ? sql`` : sql`and h.bucket < ${ts(ceilTo(since, next))}`;
    return sql`select h.bucket as t, h.kind, h.bin, h.n from upload_latency_hist h
      where h.level = ${level} and h.kind in (${kindList}) and h.bucket >= ${ts(ceilTo(since, level))} ${upper}`;
  });
  // The leading partial bucket, narrowed by the index that matches each kind's time column.
  const edge = ts(ceilTo(since, HISTOGRAM_LEVELS[0]));
  const ranges: ReturnType<typeof sql>[] = [];
  if (kinds.includes("processing")) ranges.push(sql`(u.processed_at >= ${ts(since)} and u.processed_at < ${edge})`);
  if (kinds.some((k) => k !== "processing")) ranges.push(sql`(u.source is not null and u.uploaded_at >= ${ts(since)} and u.uploaded_at < ${edge})`);
  pieces.push(sql`select s.at, s.kind, s.bin, 1 from uploads u
    cross join lateral upload_latency_samples(u.source, u.created_at, u.landed_at, u.uploaded_at, u.processed_at) s
    where (${sql.join(ranges, sql` or `)}) and s.kind in (${kindList}) and s.at >= ${ts(since)} and s.at < ${edge}`);
  const at = chartSeconds === null ? sql`null::timestamptz` : sql`date_bin(${bucket(chartSeconds)}, x.t, ${ORIGIN})`;
  const result = await getDb().execute<{ at: string | null; kind: LatencyKind; bin: number; n: string }>(sql`
    select ${at} as at, x.kind, x.bin, sum(x.n)::bigint as n from (${sql.join(pieces, sql` union all `)}) x(t, kind, bin, n)
    group by 1, 2, 3 having sum(x.n) <> 0`);
  return result.rows.map((r) => ({ at: r.at === null ? null : new Date(r.at), kind: r.kind, bin: r.bin, n: Number(r.n) }));
}

/** Uploads processed per time bucket since `since`, with each bucket's upload-to-processed latency percentiles. */
export async function getProcessedByBucket(since: Date, bucketSeconds: number): Promise<ProcessedBucket[]> {
  assertNests(bucketSeconds);
  const whole = firstWholeBucket(since);
  const [counts, hist] = await Promise.all([
    getDb().execute<{ at: string; files: string; bytes: string }>(sql`
      select at, sum(files)::bigint as files, sum(bytes)::bigint as bytes from (
        select date_bin(${bucket(bucketSeconds)}, r.bucket, ${ORIGIN}) as at, r.files, r.bytes
        from upload_rollups r where r.kind = 'processed' and r.bucket >= ${ts(whole)}
        union all
        select date_bin(${bucket(bucketSeconds)}, processed_at, ${ORIGIN}), 1, coalesce(real_size, 0)
        from uploads where processed_at >= ${ts(since)} and processed_at < ${ts(whole)}
      ) x group by at`),
    getLatencyHistogram(since, ["processing"], bucketSeconds),
  ]);
  const bins = new Map<number, BinCount[]>();
  for (const r of hist) {
    const at = r.at!.getTime();
    bins.set(at, [...(bins.get(at) ?? []), { bin: r.bin, n: r.n }]);
  }
  return counts.rows
    .map((r) => {
      const at = new Date(r.at);
      const h = bins.get(at.getTime()) ?? [];
      return { at, files: Number(r.files), bytes: Number(r.bytes), p50Ms: histogramPercentile(h, 0.5), p95Ms: histogramPercentile(h, 0.95) };
    })
    .filter((b) => b.files !== 0);
}

export type LatencySummary = { p50Ms: number | null; p95Ms: number | null; samples: number };

function summarize(bins: BinCount[]): LatencySummary {
  return { p50Ms: histogramPercentile(bins, 0.5), p95Ms: histogramPercentile(bins, 0.95), samples: bins.reduce((n, b) => n + b.n, 0) };
}

/** Confirmation (`uploaded_at`) to `processed_at`, over every upload processed since `since`. */
export async function getProcessingLatency(since: Date): Promise<LatencySummary> {
  return summarize(await getLatencyHistogram(since, ["processing"], null));
}

export type TriggerLatency = LatencySummary & { source: UploadSource; exactSamples: number };

/**
 * Trigger latency per source, over every upload confirmed since `since`: confirmation time
 * (`uploaded_at`) minus the time the last byte landed (`landed_at`, the earliest landing
 * time an `uploaded` timeline event recorded: see BYTES_AT_KEYS). Where no landing time was
 * recorded, the intent's `created_at` stands in, which makes the sample an upper bound that
 * includes the transfer; `exactSamples` says how many were exact.
 */
export async function getTriggerLatency(since: Date): Promise<TriggerLatency[]> {
  const kinds = UPLOAD_SOURCES.flatMap((s) => [`trigger:${s}`, `trigger-upper:${s}`] as const);
  const hist = await getLatencyHistogram(since, kinds, null);
  return UPLOAD_SOURCES.map((source) => {
    const exact = hist.filter((r) => r.kind === `trigger:${source}`);
    const all = [...exact, ...hist.filter((r) => r.kind === `trigger-upper:${source}`)];
    return { source, ...summarize(all), exactSamples: exact.reduce((n, b) => n + b.n, 0) };
  });
}

export type WindowCounters = {
  expired: number;
  aborted: number;
  abortedMultipart: number;
  sweepRuns: number;
  sweepAbortedMultipart: number;
  sweepRecovered: number;
  sweepExpired: number;
};

/** Intents expired and aborted since `since` (rollups plus the partial first bucket), and what the sweeps reported doing. */
export async function getWindowCounters(since: Date): Promise<WindowCounters> {
  const at = ts(since);
  const whole = ts(firstWholeBucket(since));
  const rolled = (kind: string) => sql`coalesce((select sum(files) from upload_rollups where kind = ${kind} and bucket >= ${whole}), 0)`;
  const counter = (key: string) => sql`coalesce(sum(case when counts->>${key} ~ '^\\d+$' then (counts->>${key})::bigint end), 0)::int`;
  const result = await getDb().execute<WindowCounters>(sql`
    select
      (${rolled("expired")} + (select count(*) from uploads where expired_at >= ${at} and expired_at < ${whole}))::int as "expired",
      (${rolled("aborted")} + (select count(*) from uploads where aborted_at >= ${at} and aborted_at < ${whole}))::int as "aborted",
      (${rolled("aborted_multipart")} + (select count(*) from uploads where aborted_at >= ${at} and aborted_at < ${whole} and s3_upload_id is not null))::int as "abortedMultipart",
      s.runs as "sweepRuns", s.aborted_multipart as "sweepAbortedMultipart", s.recovered as "sweepRecovered", s.expired as "sweepExpired"
    from (
      select count(*)::int as runs, ${counter("aborted_multipart")} as aborted_multipart, ${counter("recovered")} as recovered, ${counter("expired")} as expired
      from sweep_runs where started_at >= ${at}
    ) s`);
  return result.rows[0]!;
}
