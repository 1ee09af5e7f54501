import { countOutboxFailing, finishSweepRun, insertSweepRun, listOutboxBatch, listStaleHandoffs, pickPendingMultipart } from "@/lib/db/queries/sweep";
import { getEnv } from "@/lib/env";
import { log } from "@/lib/log";
import { publishUpload } from "@/lib/pipeline/confirm-upload";
import { republishDedupId } from "@/lib/queue/publish-job";
import { getBucket } from "@/lib/storage/s3-client";
import { isTriggerEnabled } from "@/lib/triggers/trigger-settings";
import { expireOverdueSinglePuts } from "./expire-overdue";
import { mapLimit } from "./map-limit";
import { purgeExpiredQuarantine } from "./purge-quarantine";
import { abortAbandonedMultipart, reconcileObjects } from "./reconcile-storage";
import { checkMultipartUpload } from "./recover-multipart";
import { isMessageAlive, requeueUpload } from "./requeue-upload";
import { CONFIRM_CONCURRENCY, type Counts, OutOfTime, type SweepContext, type SweepOptions, type SweepResult, ZERO } from "./sweep-context";
import { takeLease } from "./sweep-lease";

export type { SweepOptions, SweepResult, SweepRunCounts } from "./sweep-context";

const LEASE_TTL_MS = 2 * 60_000;
const OUTBOX_BATCH = 100;
const HANDOFF_BATCH = 100;
const MULTIPART_BATCH = 50;
/** Don't race a /complete that is publishing right now: an `uploaded` row joins the outbox after this. */
const OUTBOX_SETTLE_MS = 60_000;
/** Vercel's Node functions stop at 60 s by default; stop early and leave the rest to the next run. */
const DEFAULT_MAX_DURATION_MS = 50_000;

/**
 * Each pass is guaranteed its own share of the run's time, so a slow or huge listing can
 * never starve expiry or the multipart abort: every pass runs on every sweep. A pass that
 * finishes early hands its unused time to the next.
 */
export const PHASE_SHARES = {
  outbox: 0.1,
  handoffs: 0.1,
  multipart: 0.2,
  expiry: 0.1,
  objects: 0.3,
  sessions: 0.15,
  quarantine: 0.05,
} as const;
type Phase = keyof typeof PHASE_SHARES;

/**
 * One reconcile run (DESIGN §1, pattern 4 as backstop), under a lease so two runs never
 * do the same work. Passes, each in bounded batches and with its own time budget:
 * 1. outbox: re-publish `uploaded` rows whose backoff ran out (no cap on attempts);
 * 2. handoffs: take over `queued` rows whose message QStash lost and `processing` rows
 *    whose lease ran out, under a fresh dedup id;
 * 3. multipart: compare pending multipart uploads with their stored parts; complete and
 *    confirm those whose every byte is there, expire overdue ones whose parts do not add up;
 * 4. expiry: HEAD overdue single-PUT intents; confirm those whose bytes are there, expire the rest;
 * 5. objects: list `uploads/` from a persisted cursor, confirm pending intents whose bytes
 *    are there, delete bytes that landed after their row ended, report orphans;
 * 6. sessions: abort multipart sessions with no live intent (their parts cost storage).
 */
export async function runSweep(opts: SweepOptions): Promise<SweepResult> {
  const bucket = getBucket();
  const lease = await takeLease(`lease:sweep:${bucket}`, LEASE_TTL_MS);
  if (!lease) return { status: "locked" };
  const t0 = performance.now();
  const total = opts.maxDurationMs ?? DEFAULT_MAX_DURATION_MS;
  const counts: Counts = { ...ZERO };
  const errors: string[] = [];
  let partial = false;
  let runId = 0;
  try {
    runId = await insertSweepRun(opts.trigger);
    const phases: [Phase, (ctx: SweepContext) => Promise<void>][] = [
      ["outbox", drainOutbox],
      ["handoffs", takeOverStaleHandoffs],
      ["multipart", checkPendingMultipart],
      ["expiry", expireOverdueSinglePuts],
      ["objects", reconcileObjects],
      ["sessions", abortAbandonedMultipart],
      // Rejected files' bytes, once their quarantine (REJECTED_QUARANTINE_HOURS) is over.
      [
        "quarantine",
        async (ctx) => {
          ctx.counts.quarantine_purged += await purgeExpiredQuarantine({ bucket: ctx.bucket, deadline: ctx.phaseDeadline });
        },
      ],
    ];
    const runDeadline = Date.now() + total;
    for (const [i, [phase, run]] of phases.entries()) {
      // Later passes keep their shares; time an earlier pass did not use rolls forward.
      const reserved = phases.slice(i + 1).reduce((sum, [later]) => sum + total * PHASE_SHARES[later], 0);
      const phaseDeadline = runDeadline - reserved;
      const ctx: SweepContext = {
        bucket,
        lease,
        counts,
        phaseDeadline,
        opts,
        async checkpoint() {
          if (Date.now() > phaseDeadline) throw new OutOfTime();
          await lease.keepAlive();
        },
      };
      try {
        await run(ctx);
      } catch (e) {
        if (e instanceof OutOfTime) partial = true;
        else {
          // One pass failing (e.g. storage down) must not stop the passes that need only the database.
          const message = e instanceof Error ? e.message : String(e);
          errors.push(`${phase}: ${message}`);
          log.error("sweep pass failed", { runId, phase, error: message });
        }
      }
    }
    counts.outbox_failing = await countOutboxFailing(bucket, getEnv().SWEEP_MAX_PUBLISH_ATTEMPTS);
  } catch (e) {
    errors.push(e instanceof Error ? e.message : String(e));
    log.error("sweep run failed", { runId, error: errors[errors.length - 1] });
  } finally {
    const durationMs = performance.now() - t0;
    const error = errors.length ? errors.join("; ").slice(0, 2000) : null;
    if (runId) await finishSweepRun(runId, { counts: partial ? { ...counts, partial: 1 } : counts, durationMs, error }).catch(() => undefined);
    await lease.release().catch(() => undefined);
  }
  const status = errors.length ? "failed" : partial ? "partial" : "done";
  return { status, runId, counts, durationMs: Math.round(performance.now() - t0), error: errors.length ? errors.join("; ") : null };
}

async function drainOutbox(ctx: SweepContext): Promise<void> {
  const settledBefore = new Date(Date.now() - (ctx.opts.outboxSettleMs ?? OUTBOX_SETTLE_MS));
  let afterId = "";
  for (;;) {
    await ctx.checkpoint();
    const rows = await listOutboxBatch({ bucket: ctx.bucket, settledBefore, afterId, limit: OUTBOX_BATCH });
    if (!rows.length) return;
    await mapLimit(rows, CONFIRM_CONCURRENCY, async (row) => {
      // A fresh dedup id: a re-publish must never be handed back an old message's id.
      const out = await publishUpload(row, { dedupId: republishDedupId(row) });
      if (out.outcome === "queued") ctx.counts.republished++;
    });
    afterId = rows[rows.length - 1]!.id;
    if (rows.length < OUTBOX_BATCH) return;
  }
}

/**
 * A `queued` row older than SWEEP_QUEUED_STALE_SECONDS, or a `processing` row whose lease
 * ran out SWEEP_LEASE_GRACE_SECONDS ago, whose message QStash no longer holds, was lost on
 * the way (QStash lost it, or it was dead-lettered while the failure callback could not
 * reach the app): re-published.
 */
async function takeOverStaleHandoffs(ctx: SweepContext): Promise<void> {
  const env = getEnv();
  const queuedBefore = new Date(Date.now() - (ctx.opts.queuedStaleMs ?? env.SWEEP_QUEUED_STALE_SECONDS * 1000));
  const leaseBefore = new Date(Date.now() - (ctx.opts.leaseGraceMs ?? env.SWEEP_LEASE_GRACE_SECONDS * 1000));
  let afterId = "";
  for (;;) {
    await ctx.checkpoint();
    const rows = await listStaleHandoffs({ bucket: ctx.bucket, queuedBefore, leaseBefore, afterId, limit: HANDOFF_BATCH });
    if (!rows.length) return;
    await mapLimit(rows, CONFIRM_CONCURRENCY, async (row) => {
      try {
        // QStash still holding the message (a queue backlog, a retry waiting) will deliver
        // it, and a retry takes an expired lease over by itself: leave those alone.
        if (await isMessageAlive(row.qstashMessageId)) return;
        const reason =
          row.status === "queued"
            ? `queued since ${row.queuedAt?.toISOString() ?? "?"} and QStash no longer holds message ${row.qstashMessageId ?? "(none)"}`
            : `processing lease ran out at ${row.leaseUntil?.toISOString() ?? "?"} and QStash no longer holds message ${row.qstashMessageId ?? "(none)"}`;
        if ((await requeueUpload(row, reason)) === "requeued") ctx.counts.requeued++;
      } catch (e) {
        ctx.counts.errors++;
        log.error("taking over a stale job failed", { uploadId: row.id, error: e });
      }
    });
    afterId = rows[rows.length - 1]!.id;
    if (rows.length < HANDOFF_BATCH) return;
  }
}

/** Each pending multipart upload is compared with its stored parts at most once per SWEEP_MULTIPART_RECHECK_SECONDS. */
async function checkPendingMultipart(ctx: SweepContext): Promise<void> {
  const checkedBefore = new Date(Date.now() - (ctx.opts.multipartRecheckMs ?? getEnv().SWEEP_MULTIPART_RECHECK_SECONDS * 1000));
  const recover = isTriggerEnabled("sweep");
  for (;;) {
    await ctx.checkpoint();
    const rows = await pickPendingMultipart({ bucket: ctx.bucket, checkedBefore, limit: MULTIPART_BATCH });
    if (!rows.length) return;
    await mapLimit(rows, CONFIRM_CONCURRENCY, async (row) => {
      try {
        // With the sweep trigger off only overdue intents are settled (expired or completed).
        if (!recover && row.deadlineAt.getTime() > Date.now()) return;
        const out = await checkMultipartUpload(row);
        if (out.outcome === "expired") {
          ctx.counts.expired++;
          if (out.aborted) ctx.counts.aborted_multipart++;
        } else if (out.outcome === "completed") {
          ctx.counts.multipart_completed++;
          if (out.confirm.outcome === "queued" || out.confirm.outcome === "uploaded") ctx.counts.recovered++;
          else if (out.confirm.outcome === "rejected") ctx.counts.rejected++;
        }
      } catch (e) {
        ctx.counts.errors++;
        log.error("checking a multipart upload's parts failed", { uploadId: row.id, error: e });
      }
    });
    if (rows.length < MULTIPART_BATCH) return;
  }
}
