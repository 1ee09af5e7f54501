import type { Lease } from "./sweep-lease";

/** Confirming reads the object (HEAD + ranged GET) and publishes: a few at a time. */
export const CONFIRM_CONCURRENCY = 4;

export type SweepOptions = {
  trigger: "schedule" | "manual";
  maxDurationMs?: number;
  untrackedSessionGraceMs?: number;
  outboxSettleMs?: number;
  queuedStaleMs?: number;
  leaseGraceMs?: number;
  multipartRecheckMs?: number;
  /** Listing pages (1,000 keys each) per run; the cursor carries on from there next run. */
  listPagesPerRun?: number;
  /** Keys per listing page (default and S3's maximum: 1,000); smaller only to exercise the cursor in tests. */
  listPageSize?: number;
};

export type SweepResult =
  | { status: "locked" }
  | { status: "done" | "partial" | "failed"; runId: number; counts: SweepRunCounts; durationMs: number; error: string | null };

export const ZERO = {
  listed: 0,
  recovered: 0,
  rejected: 0,
  expired: 0,
  aborted_multipart: 0,
  multipart_completed: 0,
  republished: 0,
  requeued: 0,
  late_bytes_deleted: 0,
  quarantine_purged: 0,
  orphans_reported: 0,
  orphans_deleted: 0,
  outbox_failing: 0,
  list_wrapped: 0,
  errors: 0,
};
export type Counts = typeof ZERO;
export type SweepRunCounts = Counts;

export class OutOfTime extends Error {}

export type SweepContext = {
  bucket: string;
  lease: Lease;
  counts: Counts;
  phaseDeadline: number;
  opts: SweepOptions;
  /** Checks the phase's time budget and keeps the lease alive; throws OutOfTime when spent. */
  checkpoint(): Promise<void>;
};
