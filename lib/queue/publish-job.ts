import { getEnv } from "@/lib/env";
import type { JobPayload } from "@/lib/jobs/job-payload";
import { getPlan } from "@/lib/plans/plans";
import { traceHeadersFor, withUploadSpan } from "@/lib/trace/upload-trace";
import { getQstash, withQstashTimeout } from "./qstash-client";

export const PROCESS_JOB_PATH = "/api/jobs/process";
export const FAILED_JOB_PATH = "/api/jobs/failed";

/**
 * A dedup id for a deliberate re-publish (outbox retry, sweep takeover, admin replay).
 * It must be fresh: within QStash's dedup window the bare upload id hands back the old
 * message id, and the row would go `queued` with nothing delivered.
 */
export function freshDedupId(uploadId: string, why: string): string {
  return `${uploadId}-${why}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

/**
 * The dedup id for publishing an `uploaded` row again (a confirm that finds the row already
 * confirmed, or the outbox). Derived from the row's failed-publish count, so racers that
 * read the same row (a second `/complete`, the storage event, the sweep) collapse into one
 * QStash message, while each retry after a recorded failure gets an id no earlier publish
 * used. With no failure recorded yet, it is the first publish's own id: that publish may be
 * in flight right now.
 */
export function republishDedupId(row: { id: string; publishAttempts: number }): string {
  return row.publishAttempts === 0 ? row.id : `${row.id}-again-${row.publishAttempts}`;
}

/**
 * Publishes one processing job. The first publish dedups on the upload id (and the replay
 * number), so every trigger source that races to publish produces one message; a
 * re-publish passes a fresh `dedupId` instead.
 * One queue per plan gives priority; the per-user flow-control key gives fairness
 * between users sharing a plan.
 */
export function publishJob(payload: JobPayload, opts: { dedupId?: string } = {}): Promise<string> {
  return withUploadSpan("qstash.publish", payload.uploadId, () => publishJobInSpan(payload, opts));
}

async function publishJobInSpan(payload: JobPayload, opts: { dedupId?: string }): Promise<string> {
  const env = getEnv();
  const plan = getPlan(payload.plan);
  const dedupId = opts.dedupId ?? (payload.replay ? `${payload.uploadId}-replay-${payload.replay}` : payload.uploadId);
  // Bounded: a paused QStash must not hold the caller (withQstashTimeout).
  const res = await withQstashTimeout(
    getQstash()
      .queue({ queueName: plan.queue })
      .enqueueJSON({
        url: `${env.APP_URL}${PROCESS_JOB_PATH}`,
        body: payload,
        deduplicationId: dedupId,
        // QStash forwards it as `traceparent`: the delivery joins the publisher's trace.
        headers: traceHeadersFor(payload.uploadId),
        failureCallback: `${env.APP_URL}${FAILED_JOB_PATH}`,
        retries: 5,
        // QStash's default backoff reaches 30 min by the third retry, and a retrying message
        // holds its plan queue's slot meanwhile; cap the wait at a minute instead.
        retryDelay: "min(60000, 1000 * pow(2, retried))",
        flowControl: { key: `user-${payload.userId}`, parallelism: Math.max(1, Math.ceil(plan.parallelism / 2)) },
        label: `plan-${plan.id}`,
      }),
    "publish",
  );
  return res.messageId;
}
