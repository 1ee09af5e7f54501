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

/** How many of the newest confirmations per source feed the trigger-latency percentiles. */
export const LATENCY_SAMPLE_PER_SOURCE = 2_000;

/**
 * The overview reads rollups (schema: uploadRollups, uploadLatencyBins, uploadStatusCounts),
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

/** One histogram bin's share: bin b holds latencies in [2^(b/8), 2^((b+1)/8)) ms (schema: uploadLatencyBins). */
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

/** Latency histogram rows per chart bucket since `since`: the rollup's whole buckets and the partial one from uploads. */
async function latencyBins(since: Date, bucketSeconds: number) {
  const whole = firstWholeBucket(since);
  const result = await getDb().execute<{ at: string; bin: number; n: string }>(sql`
    select date_bin(${bucket(bucketSeconds)}, l.bucket, ${ORIGIN}) as at, l.bin, sum(l.n)::bigint as n
    from upload_latency_bins l where l.bucket >= ${ts(whole)}
    group by 1, 2
    union all
    select date_bin(${bucket(bucketSeconds)}, processed_at, ${ORIGIN}), upload_latency_bin(processed_at - uploaded_at), count(*)::bigint
    from uploads
    where processed_at >= ${ts(since)} and processed_at < ${ts(whole)} and uploaded_at is not null
    group by 1, 2`);
  const byBucket = new Map<number, BinCount[]>();
  for (const r of result.rows) {
    const at = new Date(r.at).getTime();
    const list = byBucket.get(at) ?? [];
    list.push({ bin: r.bin, n: Number(r.n) });
    byBucket.set(at, list);
  }
  return byBucket;
}

/** Uploads processed per time bucket since `since`, with each bucket's upload-to-processed latency percentiles. */
export async function getProcessedByBucket(since: Date, bucketSeconds: number): Promise<ProcessedBucket[]> {
  assertNests(bucketSeconds);
  const whole = firstWholeBucket(since);
  const [counts, bins] = await Promise.all([
    getDb().execute<{ at: string; files: string; bytes: string }>(sql`
      select at, sum(files)::bigint as files, sum(bytes)::bigint as bytes from (
        select date_bin(${bucket(bucketSeconds)}, r.bucket, ${ORIGIN}) as at, r.files, r.bytes
        from upload_rollups r where r.kind = 'processed' and r.bucket >= ${ts(whole)}
        union all
        select date_bin(${bucket(bucketSeconds)}, processed_at, ${ORIGIN}), 1, coalesce(real_size, 0)
        from uploads where processed_at >= ${ts(since)} and processed_at < ${ts(whole)}
      ) x group by at`),
    latencyBins(since, bucketSeconds),
  ]);
  return counts.rows
    .map((r) => {
      const at = new Date(r.at);
      const hist = bins.get(at.getTime()) ?? [];
      return { at, files: Number(r.files), bytes: Number(r.bytes), p50Ms: histogramPercentile(hist, 0.5), p95Ms: histogramPercentile(hist, 0.95) };
    })
    .filter((b) => b.files !== 0);
}

export type LatencySummary = { p50Ms: number | null; p95Ms: number | null; samples: number };

/** Confirmation (`uploaded_at`) to `processed_at`, over every upload processed since `since`. */
export async function getProcessingLatency(since: Date): Promise<LatencySummary> {
  // One histogram for the whole window: grouped by bin only, so at most ~200 rows come back.
  const whole = firstWholeBucket(since);
  const result = await getDb().execute<{ bin: number; n: string }>(sql`
    select bin, sum(n)::bigint as n from (
      select l.bin, l.n from upload_latency_bins l where l.bucket >= ${ts(whole)}
      union all
      select upload_latency_bin(processed_at - uploaded_at), 1
      from uploads where processed_at >= ${ts(since)} and processed_at < ${ts(whole)} and uploaded_at is not null
    ) x group by bin`);
  const hist = result.rows.map((r) => ({ bin: r.bin, n: Number(r.n) }));
  return { p50Ms: histogramPercentile(hist, 0.5), p95Ms: histogramPercentile(hist, 0.95), samples: hist.reduce((n, b) => n + b.n, 0) };
}

export type TriggerLatency = LatencySummary & { source: UploadSource; exactSamples: number };

/**
 * Trigger latency per source: confirmation time (`uploaded_at`) minus the time the last
 * byte landed, read from the `uploaded` timeline event (see BYTES_AT_KEYS). When no
 * source recorded that time, the intent's `created_at` stands in, which makes the sample
 * an upper bound that includes the transfer; `exactSamples` says how many were exact.
 * Percentiles cover the newest LATENCY_SAMPLE_PER_SOURCE confirmations of each source,
 * so the cost stays bounded however busy the window was.
 */
export async function getTriggerLatency(since: Date): Promise<TriggerLatency[]> {
  const bytesAt = sql.join(
    BYTES_AT_KEYS.map((k) => sql`e.detail->>${k}`),
    sql`, `,
  );
  const result = await getDb().execute<{ source: UploadSource; p50: number | null; p95: number | null; n: number; exact: number }>(sql`
    select s.source,
      percentile_cont(0.5) within group (order by l.ms) as p50,
      percentile_cont(0.95) within group (order by l.ms) as p95,
      count(l.ms)::int as n,
      count(b.bytes_at)::int as exact
    from unnest(array[${sql.join(
      UPLOAD_SOURCES.map((s) => sql`${s}`),
      sql`, `,
    )}]::text[]) as s(source)
    join lateral (
      select u.id, u.uploaded_at, u.created_at
      from uploads u
      where u.source = s.source and u.uploaded_at >= ${since.toISOString()}::timestamptz
      order by u.uploaded_at desc
      limit ${LATENCY_SAMPLE_PER_SOURCE}
    ) u on true
    left join lateral (
      select case when t.v ~ '^\\d{4}-\\d{2}-\\d{2}' then t.v::timestamptz end as bytes_at
      from upload_events e, lateral (select coalesce(${bytesAt}) as v) t
      where e.upload_id = u.id and e.type = 'uploaded'
      order by e.at
      limit 1
    ) b on true
    cross join lateral (select greatest(0, extract(epoch from u.uploaded_at - coalesce(b.bytes_at, u.created_at)) * 1000) as ms) l
    group by s.source`);
  const bySource = new Map(result.rows.map((r) => [r.source, r]));
  return UPLOAD_SOURCES.map((source) => {
    const r = bySource.get(source);
    return { source, p50Ms: num(r?.p50), p95Ms: num(r?.p95), samples: r?.n ?? 0, exactSamples: r?.exact ?? 0 };
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

function num(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? Math.round(n) : null;
}
