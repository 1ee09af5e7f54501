import {
  BYTES_AT_KEYS,
  getConfirmationsByBucket,
  getProcessedByBucket,
  getProcessingLatency,
  getStatusCounts,
  getTriggerLatency,
  getWindowCounters,
} from "@/lib/db/queries/admin-stats";
import { UPLOAD_SOURCES, type UploadSource } from "@/lib/db/schema";
import { listDlqEntries } from "./dlq";
import { countFailingPublishes } from "./republish-outbox";

export const OVERVIEW_WINDOWS = {
  "1h": { label: "Last hour", ms: 3_600_000, bucketSeconds: 300, bucketLabel: "5 minutes" },
  "24h": { label: "Last 24 hours", ms: 86_400_000, bucketSeconds: 3_600, bucketLabel: "hour" },
  "7d": { label: "Last 7 days", ms: 7 * 86_400_000, bucketSeconds: 6 * 3_600, bucketLabel: "6 hours" },
} as const;

export type OverviewWindow = keyof typeof OVERVIEW_WINDOWS;

export function parseOverviewWindow(value: string | string[] | undefined): OverviewWindow {
  const v = Array.isArray(value) ? value[0] : value;
  return v && v in OVERVIEW_WINDOWS ? (v as OverviewWindow) : "24h";
}

/** One chart bucket: confirmations per source, and throughput as a per-hour rate. */
export type OverviewBucket = Record<UploadSource, number> & {
  at: string;
  confirmedPerHour: number;
  confirmedBytesPerHour: number;
  processedPerHour: number;
  processedBytesPerHour: number;
  processedP50Ms: number | null;
  processedP95Ms: number | null;
};

export const TRIGGER_LATENCY_DEFINITION =
  `Trigger latency is the time from the last byte landing in storage to the upload's confirmation (uploaded_at). ` +
  `The landing time is the earliest one an "uploaded" timeline event recorded (${BYTES_AT_KEYS.join(", ")}: the storage event's time or the object's Last-Modified). ` +
  `Where no trigger recorded it, the intent's creation time is used instead, which makes that sample an upper bound including the transfer. ` +
  "Percentiles cover every confirmation in the window (nearest-rank, from a histogram kept by the database, within 4.5 % of the exact value).";

export const PROCESSING_LATENCY_DEFINITION =
  "Upload-to-processed latency is processed_at − uploaded_at, over every upload processed in the window (nearest-rank percentiles from a histogram kept by the database, within 4.5 % of the exact value).";

/** Everything the overview page shows, computed on the server for one window. */
export async function getOverview(window: OverviewWindow, now = new Date()) {
  const spec = OVERVIEW_WINDOWS[window];
  const since = new Date(now.getTime() - spec.ms);
  const [counts, confirmations, processed, triggerLatency, processingLatency, counters, dlq, outboxFailing] = await Promise.all([
    getStatusCounts(),
    getConfirmationsByBucket(since, spec.bucketSeconds),
    getProcessedByBucket(since, spec.bucketSeconds),
    getTriggerLatency(since),
    getProcessingLatency(since),
    getWindowCounters(since),
    listDlqEntries(),
    countFailingPublishes(),
  ]);

  const perHour = 3_600 / spec.bucketSeconds;
  const bucketMs = spec.bucketSeconds * 1000;
  const buckets = new Map<number, OverviewBucket>();
  const origin = Date.UTC(2000, 0, 1);
  const first = origin + Math.floor((since.getTime() - origin) / bucketMs) * bucketMs;
  for (let t = first; t <= now.getTime(); t += bucketMs) {
    buckets.set(t, {
      at: new Date(t).toISOString(),
      client: 0,
      "storage-event": 0,
      sweep: 0,
      poll: 0,
      confirmedPerHour: 0,
      confirmedBytesPerHour: 0,
      processedPerHour: 0,
      processedBytesPerHour: 0,
      processedP50Ms: null,
      processedP95Ms: null,
    });
  }
  const totals = Object.fromEntries(UPLOAD_SOURCES.map((s) => [s, { files: 0, bytes: 0 }])) as Record<UploadSource, { files: number; bytes: number }>;
  for (const c of confirmations) {
    totals[c.source].files += c.files;
    totals[c.source].bytes += c.bytes;
    const b = buckets.get(c.at.getTime());
    if (!b) continue;
    b[c.source] += c.files;
    b.confirmedPerHour += c.files * perHour;
    b.confirmedBytesPerHour += c.bytes * perHour;
  }
  let processedFiles = 0;
  let processedBytes = 0;
  for (const p of processed) {
    processedFiles += p.files;
    processedBytes += p.bytes;
    const b = buckets.get(p.at.getTime());
    if (!b) continue;
    b.processedPerHour += p.files * perHour;
    b.processedBytesPerHour += p.bytes * perHour;
    b.processedP50Ms = p.p50Ms;
    b.processedP95Ms = p.p95Ms;
  }

  const hours = spec.ms / 3_600_000;
  return {
    window,
    windowLabel: spec.label,
    bucketSeconds: spec.bucketSeconds,
    bucketLabel: spec.bucketLabel,
    since,
    generatedAt: now,
    counts,
    buckets: [...buckets.values()],
    totals,
    confirmedFiles: UPLOAD_SOURCES.reduce((n, s) => n + totals[s].files, 0),
    confirmedBytes: UPLOAD_SOURCES.reduce((n, s) => n + totals[s].bytes, 0),
    processedFiles,
    processedBytes,
    filesPerHour: processedFiles / hours,
    bytesPerHour: processedBytes / hours,
    zombiesRecovered: totals.sweep.files + totals.poll.files,
    triggerLatency,
    processingLatency,
    counters,
    dlq: { count: dlq.entries.length, truncated: dlq.truncated, error: dlq.error },
    /** Confirmed uploads whose job publish keeps failing (the sweep retries them with backoff). */
    outboxFailing,
  };
}

export type Overview = Awaited<ReturnType<typeof getOverview>>;
