import { finishJobAttempt, getOpenJobAttempt, insertJobAttempt, type JobAttemptRow } from "@/lib/db/queries/job-attempts";
import { getUploadById, recordUploadEvent, renewUploadLease, transitionUpload, type UploadRow } from "@/lib/db/queries/uploads";
import { getEnv } from "@/lib/env";
import { log } from "@/lib/log";
import { getPlan } from "@/lib/plans/plans";
import { runProcessors, type UploadResult } from "@/lib/processors";
import { continueInNewMessage } from "./job-continuation";
import { classifyJobError, JobContinuation, TemporaryJobError } from "./job-errors";
import type { JobPayload } from "./job-payload";
import { payloadFromRow, payloadMismatch } from "./job-target";

/**
 * How long a claim on an upload lasts without a heartbeat. A worker renews it every
 * third of this while it runs; a row still `processing` past it belongs to a dead
 * worker, and the next delivery takes it over.
 */
export const LEASE_MS = 60_000;

export type JobDelivery = { payload: JobPayload; messageId: string; retried: number };

export type JobOutcome =
  | { kind: "processed"; uploadId: string; result: UploadResult }
  | { kind: "skipped"; uploadId: string; reason: string }
  | { kind: "continued"; uploadId: string; nextMessageId: string; offset: number }
  | { kind: "temporary"; uploadId: string; error: string }
  | { kind: "permanent"; uploadId: string; error: string; code: string };

type Claim = { kind: "claimed"; lease: Date } | { kind: "skip"; reason: string };

/**
 * One delivery of a processing job. Idempotent in layers: the dedup id keeps QStash to
 * one message per upload; the state re-check skips finished uploads; the conditional
 * `queued|uploaded → processing` lets one delivery in; and the lease fences the final
 * write, so a delivery that lost its claim cannot overwrite the result.
 */
export async function processJob(delivery: JobDelivery): Promise<JobOutcome> {
  const { payload, messageId, retried } = delivery;
  const uploadId = payload.uploadId;
  const upload = await getUploadById(uploadId);
  // Deleted with its user or project: nothing to do, and no row to record the attempt on.
  if (!upload) return { kind: "skipped", uploadId, reason: "The upload no longer exists." };
  const mismatch = payloadMismatch(payload, upload);
  if (mismatch.length) {
    // Recorded on the upload, but its state is left alone: a forged message must not be
    // able to fail someone's upload either. The real message still processes it.
    const error = `The job message names another object than its upload (${mismatch.join(", ")}).`;
    await recordUploadEvent(uploadId, {
      type: "job_rejected",
      source: "worker",
      detail: { messageId, attempt: retried, code: "payload_mismatch", fields: mismatch },
    });
    return { kind: "permanent", uploadId, error, code: "payload_mismatch" };
  }

  const attempt = await insertJobAttempt({ uploadId, messageId, queue: getPlan(payload.plan).queue, attempt: retried });
  let claim: Claim;
  try {
    claim = await claimUpload(upload, attempt, delivery);
  } catch (error) {
    const failure = classifyJobError(error);
    await finishJobAttempt(attempt.id, { status: "failed", error: failure.message }).catch(logError);
    throw failure;
  }
  if (claim.kind === "skip") {
    await finishJobAttempt(attempt.id, { status: "skipped", error: claim.reason });
    return { kind: "skipped", uploadId, reason: claim.reason };
  }

  const keeper = new LeaseKeeper(uploadId, claim.lease);
  const started = performance.now();
  // Past this, a long processor saves its progress and the job continues in a new message
  // (the route's maxDuration would otherwise end it, and every retry would start over).
  const deadline = Date.now() + getEnv().WORKER_INVOCATION_BUDGET_MS;
  try {
    const run = await runProcessors({ payload: payloadFromRow(payload, upload), attempt: retried, signal: keeper.signal, deadline });
    await keeper.stop();
    const durationMs = Math.round(performance.now() - started);
    const done = await transitionUpload({
      id: uploadId,
      from: ["processing"],
      to: "processed",
      lease: keeper.current,
      set: { result: run.result, leaseUntil: null, failureReason: null },
      event: { type: "processed", source: "worker", detail: { messageId, attempt: retried, replay: payload.replay, durationMs, bytesRead: run.bytesRead } },
    });
    if (!done) return await skipLostLease(attempt, uploadId);
    await finishJobAttempt(attempt.id, { status: "succeeded", result: { ...run.result, bytesRead: run.bytesRead, durationsMs: run.durationsMs } });
    return { kind: "processed", uploadId, result: run.result };
  } catch (error) {
    await keeper.stop();
    if (keeper.lost) return await skipLostLease(attempt, uploadId);
    if (error instanceof JobContinuation) {
      return (await continueInNewMessage({ delivery, attempt, lease: keeper.current, pause: error })) ?? (await skipLostLease(attempt, uploadId));
    }
    return await recordFailure({ error, attempt, delivery, lease: keeper.current });
  }
}

async function claimUpload(upload: UploadRow, attempt: JobAttemptRow, delivery: JobDelivery): Promise<Claim> {
  const { messageId, retried, payload } = delivery;
  const detail = { messageId, attempt: retried, replay: payload.replay };
  let current: UploadRow | null = upload;
  // Two rounds: a lost compare-and-set re-reads once and decides again on the new state.
  for (let round = 0; round < 2; round++) {
    if (round > 0) current = await getUploadById(upload.id);
    if (!current) return { kind: "skip", reason: "The upload no longer exists." };
    switch (current.status) {
      case "processed":
        return { kind: "skip", reason: "The upload is already processed." };
      case "failed":
      case "aborted":
      case "expired":
      case "rejected":
      case "deleted":
        return { kind: "skip", reason: `The upload is ${current.status}; nothing to process.` };
      case "pending":
        throw new TemporaryJobError("The upload is not confirmed yet.");
      case "uploaded":
      case "queued": {
        // `uploaded` too: a fast queue can deliver before confirm's `uploaded → queued` lands.
        const lease = nextLease();
        const claimed = await transitionUpload({
          id: current.id,
          from: ["uploaded", "queued"],
          to: "processing",
          set: { leaseUntil: lease, qstashMessageId: messageId },
          event: { type: "processing", source: "worker", detail },
        });
        if (claimed) return { kind: "claimed", lease };
        break;
      }
      case "processing": {
        const holder = await getOpenJobAttempt(current.id, attempt.id);
        const expired = !current.leaseUntil || current.leaseUntil.getTime() <= Date.now();
        // QStash retries a message only after its previous attempt ended (answered or timed
        // out), so a later attempt of the holder's own message may take over at once.
        const ownRetry = holder?.messageId === messageId && holder.attempt < retried;
        if (!expired && !ownRetry) {
          return { kind: "skip", reason: `Another delivery is processing this upload (lease until ${current.leaseUntil!.toISOString()}).` };
        }
        const lease = nextLease(current.leaseUntil);
        const taken = await transitionUpload({
          id: current.id,
          from: ["processing"],
          to: "processing",
          lease: current.leaseUntil,
          set: { leaseUntil: lease, qstashMessageId: messageId },
          event: {
            type: "lease_taken_over",
            source: "worker",
            detail: { ...detail, previousMessageId: holder?.messageId ?? null, reason: expired ? "lease expired" : "retry of the same message" },
          },
        });
        if (taken) {
          if (holder) await finishJobAttempt(holder.id, { status: "failed", error: "Abandoned: a later delivery took over its lease." });
          return { kind: "claimed", lease };
        }
        break;
      }
    }
  }
  return { kind: "skip", reason: "Another delivery claimed this upload first." };
}

async function recordFailure(input: { error: unknown; attempt: JobAttemptRow; delivery: JobDelivery; lease: Date }): Promise<JobOutcome> {
  const { attempt, delivery, lease } = input;
  const uploadId = delivery.payload.uploadId;
  const failure = classifyJobError(input.error);
  const detail = { messageId: delivery.messageId, attempt: delivery.retried, error: failure.message };
  const permanent = failure.name === "PermanentJobError";
  if (!permanent) jobLog(delivery).error("job attempt failed, will retry", { error: input.error });
  // If the database is what failed, these writes fail too; the lease then runs out and
  // QStash's retry takes the upload over, so it is never stuck in `processing`.
  try {
    await transitionUpload({
      id: uploadId,
      from: ["processing"],
      to: permanent ? "failed" : "queued",
      lease,
      set: permanent ? { failureReason: failure.message, leaseUntil: null } : { leaseUntil: null },
      event: permanent
        ? { type: "failed", source: "worker", detail: { ...detail, code: (failure as { code?: string }).code ?? "permanent" } }
        : { type: "retry_scheduled", source: "worker", detail },
    });
    await finishJobAttempt(attempt.id, { status: "failed", error: failure.message });
  } catch (error) {
    logError(error, delivery);
  }
  return permanent
    ? { kind: "permanent", uploadId, error: failure.message, code: (failure as { code?: string }).code ?? "permanent" }
    : { kind: "temporary", uploadId, error: failure.message };
}

async function skipLostLease(attempt: JobAttemptRow, uploadId: string): Promise<JobOutcome> {
  const reason = "Another delivery took this upload over; this result was discarded.";
  await finishJobAttempt(attempt.id, { status: "skipped", error: reason });
  return { kind: "skipped", uploadId, reason };
}

/** Millisecond-exact (it round-trips through JS Dates as a fencing token) and always newer than `after`. */
function nextLease(after?: Date | null): Date {
  const at = Date.now() + LEASE_MS;
  return new Date(after && after.getTime() >= at ? after.getTime() + 1 : at);
}

function logError(error: unknown, delivery?: JobDelivery): void {
  (delivery ? jobLog(delivery) : log).error("could not record a job outcome", { error });
}

/** Every line about a delivery carries the upload, the message, the attempt and the trigger source. */
function jobLog(delivery: JobDelivery) {
  const { payload, messageId, retried } = delivery;
  return log.child({ uploadId: payload.uploadId, messageId, attempt: retried, source: payload.confirmedBy });
}

/** Renews the lease while processors run; aborts them if another delivery took the upload over. */
class LeaseKeeper {
  current: Date;
  lost = false;
  private readonly controller = new AbortController();
  private readonly timer: ReturnType<typeof setInterval>;
  private renewing: Promise<void> = Promise.resolve();

  constructor(
    private readonly uploadId: string,
    lease: Date,
  ) {
    this.current = lease;
    this.timer = setInterval(() => {
      this.renewing = this.renewing.then(() => this.renew());
    }, LEASE_MS / 3);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  private async renew(): Promise<void> {
    const next = nextLease(this.current);
    try {
      if (await renewUploadLease(this.uploadId, this.current, next)) this.current = next;
      else {
        this.lost = true;
        this.controller.abort(new Error("lease lost"));
      }
    } catch (error) {
      // A missed renewal is not fatal: the lease still has two thirds of its time.
      log.error("lease renewal failed", { uploadId: this.uploadId, error });
    }
  }

  /** Stops renewing and waits for a renewal in flight, so `current` is final. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.renewing;
  }
}
