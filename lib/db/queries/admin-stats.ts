import { sql } from "drizzle-orm";
import { getDb } from "../client";
import { UPLOAD_SOURCES, type UploadSource } from "../schema";

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

export type ConfirmationBucket = { at: Date; source: UploadSource; files: number; bytes: number };

/** Uploads confirmed per trigger source and time bucket since `since` (index-only on uploads_source_uploaded_idx). */
export async function getConfirmationsByBucket(since: Date, bucketSeconds: number): Promise<ConfirmationBucket[]> {
  const result = await getDb().execute<{ at: string; source: UploadSource; files: number; bytes: string }>(sql`
    select date_bin(${bucket(bucketSeconds)}, uploaded_at, ${ORIGIN}) as at, source, count(*)::int as files, coalesce(sum(real_size), 0)::bigint as bytes
    from uploads
    where source in (${sql.join(
      UPLOAD_SOURCES.map((s) => sql`${s}`),
      sql`, `,
    )}) and uploaded_at >= ${since.toISOString()}::timestamptz
    group by 1, 2`);
  return result.rows.map((r) => ({ at: new Date(r.at), source: r.source, files: r.files, bytes: Number(r.bytes) }));
}

export type ProcessedBucket = { at: Date; files: number; bytes: number; p50Ms: number | null; p95Ms: number | null };

/**
 * Uploads processed per time bucket since `since`, with the upload-to-processed latency
 * percentiles of each bucket (index-only on uploads_processed_at_idx).
 */
export async function getProcessedByBucket(since: Date, bucketSeconds: number): Promise<ProcessedBucket[]> {
  const result = await getDb().execute<{ at: string; files: number; bytes: string; p50: number | null; p95: number | null }>(sql`
    select date_bin(${bucket(bucketSeconds)}, processed_at, ${ORIGIN}) as at, count(*)::int as files, coalesce(sum(real_size), 0)::bigint as bytes,
      percentile_cont(0.5) within group (order by extract(epoch from processed_at - uploaded_at) * 1000) as p50,
      percentile_cont(0.95) within group (order by extract(epoch from processed_at - uploaded_at) * 1000) as p95
    from uploads
    where processed_at >= ${since.toISOString()}::timestamptz
    group by 1`);
  return result.rows.map((r) => ({ at: new Date(r.at), files: r.files, bytes: Number(r.bytes), p50Ms: num(r.p50), p95Ms: num(r.p95) }));
}

export type LatencySummary = { p50Ms: number | null; p95Ms: number | null; samples: number };

/** Confirmation (`uploaded_at`) to `processed_at`, over every upload processed since `since`. */
export async function getProcessingLatency(since: Date): Promise<LatencySummary> {
  const result = await getDb().execute<{ p50: number | null; p95: number | null; n: number }>(sql`
    select
      percentile_cont(0.5) within group (order by ms) as p50,
      percentile_cont(0.95) within group (order by ms) as p95,
      count(*)::int as n
    from (
      select extract(epoch from processed_at - uploaded_at) * 1000 as ms
      from uploads
      where processed_at >= ${since.toISOString()}::timestamptz and uploaded_at is not null
    ) l`);
  const r = result.rows[0];
  return { p50Ms: num(r?.p50), p95Ms: num(r?.p95), samples: r?.n ?? 0 };
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

/** Intents expired and aborted since `since`, and what the sweeps reported doing. */
export async function getWindowCounters(since: Date): Promise<WindowCounters> {
  const at = sql`${since.toISOString()}::timestamptz`;
  const counter = (key: string) => sql`coalesce(sum(case when counts->>${key} ~ '^\\d+$' then (counts->>${key})::bigint end), 0)::int`;
  const result = await getDb().execute<WindowCounters>(sql`
    select
      (select count(*)::int from uploads where expired_at >= ${at}) as "expired",
      (select count(*)::int from uploads where aborted_at >= ${at}) as "aborted",
      (select count(*)::int from uploads where aborted_at >= ${at} and s3_upload_id is not null) as "abortedMultipart",
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
