import type { UploadRow } from "@/lib/db/queries/uploads";
import { recordOrphans, markOrphansDeleted } from "@/lib/db/queries/storage-orphans";
import {
  countOutboxExhausted,
  expirePendingBatch,
  finishSweepRun,
  getUploadsByKeys,
  insertSweepRun,
  listOutboxBatch,
  recordUploadEventsBulk,
} from "@/lib/db/queries/sweep";
import { getEnv } from "@/lib/env";
import { confirmUpload, publishUpload } from "@/lib/pipeline/confirm-upload";
import { isTriggerEnabled } from "@/lib/triggers/trigger-settings";
import { abortMultipart, isNotFound } from "@/lib/storage/objects";
import { deleteObjectsBatch, listMultipartPage, listObjectPage, type ListedObject } from "@/lib/storage/list-objects";
import { getBucket } from "@/lib/storage/s3-client";
import { UPLOAD_KEY_PREFIX } from "@/lib/uploads/upload-id";
import { mapLimit } from "./map-limit";
import { takeLease, type Lease } from "./sweep-lease";

const LEASE_TTL_MS = 2 * 60_000;
const EXPIRE_BATCH = 1000;
const OUTBOX_BATCH = 100;
/** Confirming reads the object (HEAD + ranged GET) and publishes: a few at a time. */
const CONFIRM_CONCURRENCY = 4;
const ABORT_CONCURRENCY = 8;
/** A row is written just after its multipart session is created; younger sessions may simply not have one yet. */
const UNTRACKED_SESSION_GRACE_MS = 60 * 60_000;
/** Don't race a /complete that is publishing right now: an `uploaded` row joins the outbox after this. */
const OUTBOX_SETTLE_MS = 60_000;
/** Vercel's Node functions stop at 60 s by default; stop early and leave the rest to the next run. */
const DEFAULT_MAX_DURATION_MS = 50_000;

export type SweepOptions = {
  trigger: "schedule" | "manual";
  maxDurationMs?: number;
  untrackedSessionGraceMs?: number;
  outboxSettleMs?: number;
};

export type SweepResult =
  | { status: "locked" }
  | { status: "done" | "partial" | "failed"; runId: number; counts: SweepRunCounts; durationMs: number; error: string | null };

const ZERO = {
  listed: 0,
  recovered: 0,
  rejected: 0,
  expired: 0,
  aborted_multipart: 0,
  republished: 0,
  orphans_reported: 0,
  orphans_deleted: 0,
  outbox_exhausted: 0,
  errors: 0,
};
type Counts = typeof ZERO;
export type SweepRunCounts = Counts;

class OutOfTime extends Error {}

/**
 * One reconcile run (DESIGN §1, pattern 4 as backstop), under a lease so two runs never
 * do the same work. Passes, each in bounded batches:
 * 1. outbox: re-publish `uploaded` rows whose publish failed (bounded attempts);
 * 2. objects: list `uploads/` 1,000 keys per call, join each page against the intents in
 *    one query, confirm pending intents whose bytes are there, report orphans;
 * 3. expiry: pending intents past their deadline that the complete listing did not see;
 * 4. multipart: abort sessions with no live intent (their parts cost storage).
 * Discovery never HEADs a row: only a recovered upload is read, by the confirm step.
 */
export async function runSweep(opts: SweepOptions): Promise<SweepResult> {
  const bucket = getBucket();
  const lease = await takeLease(`lease:sweep:${bucket}`, LEASE_TTL_MS);
  if (!lease) return { status: "locked" };
  const t0 = performance.now();
  const deadline = Date.now() + (opts.maxDurationMs ?? DEFAULT_MAX_DURATION_MS);
  const counts: Counts = { ...ZERO };
  let runId = 0;
  let error: string | null = null;
  let status: "done" | "partial" | "failed" = "done";
  try {
    runId = await insertSweepRun(opts.trigger);
    const ctx: SweepContext = { bucket, lease, counts, deadline, opts };
    await drainOutbox(ctx);
    const listingStartedAt = new Date();
    const keep = await reconcileObjects(ctx);
    await expireIntents(ctx, listingStartedAt, keep);
    await abortAbandonedMultipart(ctx);
    counts.outbox_exhausted = await countOutboxExhausted(bucket, getEnv().SWEEP_MAX_PUBLISH_ATTEMPTS);
  } catch (e) {
    if (e instanceof OutOfTime) status = "partial";
    else {
      status = "failed";
      error = e instanceof Error ? e.message : String(e);
      console.error(`[sweep] run ${runId} failed: ${error}`);
    }
  } finally {
    const durationMs = performance.now() - t0;
    if (runId) await finishSweepRun(runId, { counts: status === "partial" ? { ...counts, partial: 1 } : counts, durationMs, error });
    await lease.release();
  }
  return { status, runId, counts, durationMs: Math.round(performance.now() - t0), error };
}

type SweepContext = { bucket: string; lease: Lease; counts: Counts; deadline: number; opts: SweepOptions };

async function checkpoint(ctx: SweepContext): Promise<void> {
  if (Date.now() > ctx.deadline) throw new OutOfTime();
  await ctx.lease.keepAlive();
}

async function drainOutbox(ctx: SweepContext): Promise<void> {
  const maxAttempts = getEnv().SWEEP_MAX_PUBLISH_ATTEMPTS;
  const settledBefore = new Date(Date.now() - (ctx.opts.outboxSettleMs ?? OUTBOX_SETTLE_MS));
  let afterId = "";
  for (;;) {
    await checkpoint(ctx);
    const rows = await listOutboxBatch({ bucket: ctx.bucket, maxAttempts, settledBefore, afterId, limit: OUTBOX_BATCH });
    if (!rows.length) return;
    await mapLimit(rows, CONFIRM_CONCURRENCY, async (row) => {
      const out = await publishUpload(row);
      if (out.outcome === "queued") ctx.counts.republished++;
    });
    afterId = rows[rows.length - 1]!.id;
    if (rows.length < OUTBOX_BATCH) return;
  }
}

/** Returns the ids of pending intents whose bytes exist but were not confirmed: expiry must spare them. */
async function reconcileObjects(ctx: SweepContext): Promise<string[]> {
  const keep: string[] = [];
  const recover = isTriggerEnabled("sweep");
  const graceHours = getEnv().SWEEP_ORPHAN_GRACE_HOURS;
  let token: string | null = null;
  do {
    await checkpoint(ctx);
    const page = await listObjectPage({ prefix: UPLOAD_KEY_PREFIX, token });
    token = page.next;
    ctx.counts.listed += page.objects.length;
    if (!page.objects.length) continue;
    const rows = await getUploadsByKeys(ctx.bucket, page.objects.map((o) => o.key));
    const byKey = new Map(rows.map((r) => [r.storageKey, r]));

    const pending = rows.filter((r) => r.status === "pending");
    if (recover) {
      await mapLimit(pending, CONFIRM_CONCURRENCY, async (row) => {
        try {
          const out = await confirmUpload(row, "sweep");
          if (out.outcome === "queued" || out.outcome === "uploaded") ctx.counts.recovered++;
          else if (out.outcome === "rejected") ctx.counts.rejected++;
        } catch (e) {
          ctx.counts.errors++;
          keep.push(row.id);
          console.error(`[sweep] confirming ${row.id} failed: ${e instanceof Error ? e.message : e}`);
        }
      });
    } else keep.push(...pending.map((r) => r.id));

    const orphans = page.objects.filter((o) => !byKey.has(o.key));
    await handleOrphans(ctx, orphans, graceHours);
  } while (token);
  return keep;
}

async function handleOrphans(ctx: SweepContext, orphans: ListedObject[], graceHours: number | undefined): Promise<void> {
  if (!orphans.length) return;
  const seen = await recordOrphans(orphans.map((o) => ({ key: o.key, size: o.size, etag: o.etag })));
  ctx.counts.orphans_reported += seen.length;
  if (!graceHours) return;
  const cutoff = Date.now() - graceHours * 3_600_000;
  const due = seen.filter((o) => o.firstSeenAt.getTime() < cutoff).map((o) => o.key);
  if (!due.length) return;
  const failed = new Set(await deleteObjectsBatch(due));
  const deleted = due.filter((k) => !failed.has(k));
  await markOrphansDeleted(deleted);
  ctx.counts.orphans_deleted += deleted.length;
}

async function expireIntents(ctx: SweepContext, before: Date, keep: string[]): Promise<void> {
  for (;;) {
    await checkpoint(ctx);
    const n = await expirePendingBatch({ bucket: ctx.bucket, before, keep, limit: EXPIRE_BATCH });
    ctx.counts.expired += n;
    if (n < EXPIRE_BATCH) return;
  }
}

/** A session is abandoned when its intent is gone, no longer pending, or is for another session. */
function shouldAbort(row: UploadRow | undefined, session: { uploadId: string; initiated: Date | null }, graceMs: number): boolean {
  const old = !session.initiated || Date.now() - session.initiated.getTime() > graceMs;
  if (!row) return old;
  if (row.status !== "pending") return true;
  return row.s3UploadId !== session.uploadId && old;
}

async function abortAbandonedMultipart(ctx: SweepContext): Promise<void> {
  const graceMs = ctx.opts.untrackedSessionGraceMs ?? UNTRACKED_SESSION_GRACE_MS;
  let marker: { keyMarker: string; uploadIdMarker: string } | null = null;
  do {
    await checkpoint(ctx);
    const page = await listMultipartPage({ prefix: UPLOAD_KEY_PREFIX, marker });
    marker = page.next;
    if (!page.sessions.length) continue;
    const rows = await getUploadsByKeys(ctx.bucket, [...new Set(page.sessions.map((s) => s.key))]);
    const byKey = new Map(rows.map((r) => [r.storageKey, r]));
    const doomed = page.sessions.filter((s) => shouldAbort(byKey.get(s.key), s, graceMs));
    const aborted = await mapLimit(doomed, ABORT_CONCURRENCY, async (s) => {
      try {
        await abortMultipart(s.key, s.uploadId);
        return s;
      } catch (e) {
        if (isNotFound(e)) return null;
        ctx.counts.errors++;
        console.error(`[sweep] aborting ${s.key} failed: ${e instanceof Error ? e.message : e}`);
        return null;
      }
    });
    const done = aborted.filter((s): s is NonNullable<typeof s> => s !== null);
    ctx.counts.aborted_multipart += done.length;
    await recordUploadEventsBulk(
      done.flatMap((s) => {
        const row = byKey.get(s.key);
        return row ? [{ uploadId: row.id, type: "multipart_aborted", source: "sweep", detail: { s3UploadId: s.uploadId, status: row.status } }] : [];
      }),
    );
  } while (marker);
}

