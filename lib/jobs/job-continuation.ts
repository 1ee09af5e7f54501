import { finishJobAttempt, type JobAttemptRow } from "@/lib/db/queries/job-attempts";
import { transitionUpload } from "@/lib/db/queries/uploads";
import { log } from "@/lib/log";
import { publishJob } from "@/lib/queue/publish-job";
import type { JobContinuation } from "./job-errors";
import type { JobDelivery, JobOutcome } from "./process-job";

/**
 * Hands a job that used up its delivery's budget to a new message. The progress is
 * already saved (the processor saved it before throwing). Order matters: the lease is
 * released first (`processing → queued`), then the new message is published, so its
 * delivery finds a claimable row; publishing first could let it arrive while this
 * delivery still holds the lease, be skipped, and leave nothing to continue.
 * If the publish fails, this delivery answers 503: QStash retries it, and the retry
 * claims the `queued` row and resumes from the same saved state.
 */
export async function continueInNewMessage(input: {
  delivery: JobDelivery;
  attempt: JobAttemptRow;
  lease: Date;
  pause: JobContinuation;
}): Promise<JobOutcome | null> {
  const { delivery, attempt, lease, pause } = input;
  const { payload, messageId, retried } = delivery;
  const uploadId = payload.uploadId;
  const detail = { messageId, attempt: retried, processor: pause.processor, offset: pause.offset, size: pause.size };
  const released = await transitionUpload({
    id: uploadId,
    from: ["processing"],
    to: "queued",
    lease,
    set: { leaseUntil: null },
    event: { type: "continued", source: "worker", detail },
  });
  if (!released) return null; // Lost the lease: the caller reports the skip.

  let next: string;
  try {
    // One continuation message per saved offset: a repeated publish of the same step dedups.
    next = await publishJob(payload, { dedupId: `${uploadId}-continue-${pause.offset}` });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log.child({ uploadId, messageId }).warn("continuation publish failed; this delivery will be retried", { error: message });
    await finishJobAttempt(attempt.id, { status: "failed", error: `Continuation publish failed: ${message}` });
    return { kind: "temporary", uploadId, error: "The continuation could not be queued." };
  }
  // Names the message now in charge, so a late failure callback of an older one is ignored.
  await transitionUpload({
    id: uploadId,
    from: ["queued"],
    to: "queued",
    lease: null,
    set: { qstashMessageId: next },
    event: { type: "continuation_queued", source: "worker", detail: { messageId: next, previousMessageId: messageId, offset: pause.offset } },
  });
  await finishJobAttempt(attempt.id, { status: "continued", result: { ...detail, nextMessageId: next } });
  log.child({ uploadId, messageId, attempt: retried }).info("job continues in a new message", { nextMessageId: next, offset: pause.offset, size: pause.size });
  return { kind: "continued", uploadId, nextMessageId: next, offset: pause.offset };
}
