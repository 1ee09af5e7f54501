import { transitionUpload, type UploadRow } from "@/lib/db/queries/uploads";
import { log } from "@/lib/log";
import { jobPayloadFor } from "@/lib/pipeline/confirm-upload";
import { getPlan } from "@/lib/plans/plans";
import { freshDedupId, publishJob } from "@/lib/queue/publish-job";
import { getQstash } from "@/lib/queue/qstash-client";
import { isNotFound } from "@/lib/storage/objects";

const FINISHED = new Set(["DELIVERED", "FAILED", "CANCELED", "CANCELLED"]);

/**
 * Whether QStash still holds a message that will be (re)delivered. Real QStash answers 404
 * once a message is delivered or dead-lettered; the local server keeps finished messages
 * for a while and reports their state.
 */
export async function isMessageAlive(messageId: string | null): Promise<boolean> {
  if (!messageId) return false;
  try {
    const message = (await getQstash().messages.get(messageId)) as { state?: string };
    return !message.state || !FINISHED.has(message.state.toUpperCase());
  } catch (error) {
    if (isNotFound(error) || (error as { status?: number }).status === 404) return false;
    throw error;
  }
}

/**
 * Takes over a `queued` or `processing` row whose job nobody is working on: publishes a
 * new message under a fresh dedup id (the old id would hand back the old message), then
 * moves the row to `queued` with the new message id, fenced on the state (and lease) it
 * was seen in. The timeline records why. If the row moved meanwhile, the new message is
 * cancelled; were it delivered anyway, the worker's claim skips a finished upload.
 */
export async function requeueUpload(row: UploadRow, reason: string): Promise<"requeued" | "moved"> {
  const logger = log.child({ uploadId: row.id, source: "sweep" });
  const messageId = await publishJob(jobPayloadFor(row), { dedupId: freshDedupId(row.id, "requeue") });
  const requeued = await transitionUpload({
    id: row.id,
    from: [row.status],
    to: "queued",
    lease: row.leaseUntil,
    set: { qstashMessageId: messageId, leaseUntil: null },
    event: {
      type: "requeued",
      source: "sweep",
      detail: { reason, previousMessageId: row.qstashMessageId, messageId, was: row.status, queue: getPlan(row.plan).queue },
    },
  });
  if (requeued) {
    logger.info("re-published a stale job", { messageId, previousMessageId: row.qstashMessageId, reason });
    return "requeued";
  }
  await getQstash()
    .messages.cancel(messageId)
    .catch((error: unknown) => logger.warn("could not cancel the unneeded re-publish", { messageId, error }));
  return "moved";
}
