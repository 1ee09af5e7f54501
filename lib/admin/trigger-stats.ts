import { sql } from "drizzle-orm";
import { getDb } from "@/lib/db/client";
import { getConfirmationsByBucket, getLatencyHistogram, getWindowCounters, histogramPercentile, ROLLUP_BUCKET_SECONDS } from "@/lib/db/queries/admin-stats";
import { UPLOAD_SOURCES, type UploadSource } from "@/lib/db/schema";
import { DUPLICATE_TRIGGER_EVENT } from "@/lib/storage-events/handle-storage-events";
import { OVERVIEW_WINDOWS, type OverviewWindow } from "./get-overview";

export type TriggerSourceStats = {
  source: UploadSource;
  confirmed: number;
  share: number | null;
  /** Last byte landed → confirmed (uploaded_at − landed_at), from the database's histogram. */
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  samples: number;
  /** Confirmations with no recorded landing time (not in the percentiles). */
  withoutLandingTime: number;
  /** Triggers of this source that arrived after another had confirmed the upload. */
  duplicates: number;
};

/**
 * The trigger matrix for the app's own traffic in one window: which source confirmed each
 * upload, how long after the last byte, what arrived twice, and what the safety nets
 * recovered and cleaned. Reads the trigger-maintained rollups and histograms (migrations
 * 0005, 0009), the sweep runs of the window, and one partial index on duplicate events:
 * the cost does not grow with the number of uploads.
 */
export async function getTriggerStats(window: OverviewWindow, now = new Date()) {
  const since = new Date(now.getTime() - OVERVIEW_WINDOWS[window].ms);
  const kinds = UPLOAD_SOURCES.flatMap((s) => [`trigger:${s}`, `trigger-upper:${s}`] as const);
  const [confirmations, hist, counters, duplicates, sweeps] = await Promise.all([
    getConfirmationsByBucket(since, ROLLUP_BUCKET_SECONDS),
    getLatencyHistogram(since, kinds, null),
    getWindowCounters(since),
    countDuplicateTriggers(since),
    sumSweepCounts(since),
  ]);
  const confirmedBy = Object.fromEntries(UPLOAD_SOURCES.map((s) => [s, 0])) as Record<UploadSource, number>;
  for (const c of confirmations) confirmedBy[c.source] += c.files;
  const total = UPLOAD_SOURCES.reduce((n, s) => n + confirmedBy[s], 0);

  const sources: TriggerSourceStats[] = UPLOAD_SOURCES.map((source) => {
    const bins = hist.filter((r) => r.kind === `trigger:${source}`);
    return {
      source,
      confirmed: confirmedBy[source],
      share: total ? confirmedBy[source] / total : null,
      p50Ms: histogramPercentile(bins, 0.5),
      p95Ms: histogramPercentile(bins, 0.95),
      p99Ms: histogramPercentile(bins, 0.99),
      samples: bins.reduce((n, b) => n + b.n, 0),
      withoutLandingTime: hist.filter((r) => r.kind === `trigger-upper:${source}`).reduce((n, b) => n + b.n, 0),
      duplicates: duplicates[source] ?? 0,
    };
  });

  return {
    window,
    windowLabel: OVERVIEW_WINDOWS[window].label,
    since,
    generatedAt: now,
    confirmed: total,
    sources,
    duplicates: Object.values(duplicates).reduce((n, v) => n + v, 0),
    /** Uploads a safety net confirmed because the client had not (yet): every source but `client`. */
    recoveries: { "storage-event": confirmedBy["storage-event"], sweep: confirmedBy.sweep, poll: confirmedBy.poll },
    /** Multipart uploads whose client vanished, completed by the delayed check or the sweep. */
    multipartCompleted: sweeps.multipartCompleted,
    zombies: {
      /** Intents whose bytes never arrived, ended at their deadline. */
      expired: counters.expired,
      /** Abandoned multipart uploads aborted (their parts deleted). */
      abortedMultipart: counters.abortedMultipart,
      /** Multipart sessions the sweep aborted (of expired intents, or with no intent row). */
      sweepAbortedSessions: counters.sweepAbortedMultipart,
      /** Bytes that landed after their upload ended, deleted by the sweep. */
      lateBytes: sweeps.lateBytes,
    },
    sweepRuns: counters.sweepRuns,
  };
}

export type TriggerStats = Awaited<ReturnType<typeof getTriggerStats>>;

/** Late triggers per source since `since` (partial index upload_events_duplicate_at_idx). */
export async function countDuplicateTriggers(since: Date): Promise<Partial<Record<UploadSource, number>>> {
  const result = await getDb().execute<{ source: UploadSource; n: number }>(sql`
    select source, count(*)::int as n from upload_events
    where type = ${DUPLICATE_TRIGGER_EVENT} and at >= ${since.toISOString()}::timestamptz
    group by source`);
  return Object.fromEntries(result.rows.map((r) => [r.source, r.n]));
}

/** What the sweep runs of the window did beyond their confirmations. */
async function sumSweepCounts(since: Date) {
  const n = (key: string) => sql`coalesce(sum(case when counts->>${key} ~ '^\\d+$' then (counts->>${key})::bigint end), 0)::int`;
  const result = await getDb().execute<{ multipartCompleted: number; lateBytes: number }>(sql`
    select ${n("multipart_completed")} as "multipartCompleted", ${n("late_bytes_deleted")} as "lateBytes"
    from sweep_runs where started_at >= ${since.toISOString()}::timestamptz`);
  return result.rows[0]!;
}
