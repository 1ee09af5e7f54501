import { ApiError } from "@/lib/api/errors";
import { countReplays } from "@/lib/db/queries/job-attempts";
import { getUploadById, recordPublishFailure, transitionUpload, type UploadRow } from "@/lib/db/queries/uploads";
import { jobPayloadFor } from "@/lib/pipeline/confirm-upload";
import { getPlan } from "@/lib/plans/plans";
import { publishJob } from "@/lib/queue/publish-job";
import { getQstash } from "@/lib/queue/qstash-client";

export type ReplayResult = {
  upload: UploadRow;
  /** Null when the publish failed: the upload stays `uploaded` for the sweep's outbox pass. */
  messageId: string | null;
  replay: number;
};

/**
 * Re-enqueues a failed upload (admin dashboard). Each replay publishes under its own
 * dedup id (`<uploadId>-replay-<n>`): the original id would be swallowed by QStash's
 * deduplication. `failed → uploaded` is conditional, so two admins clicking at once
 * produce one replay; the old DLQ entry is removed once the new message is out.
 */
export async function replayUpload(uploadId: string, opts: { actorId?: string } = {}): Promise<ReplayResult> {
  const upload = await getUploadById(uploadId);
  if (!upload) throw new ApiError("not_found", "Upload not found.");
  if (upload.status !== "failed") throw new ApiError("conflict", `Only failed uploads can be replayed; this one is ${upload.status}.`);

  const replay = (await countReplays(uploadId)) + 1;
  const reopened = await transitionUpload({
    id: uploadId,
    from: ["failed"],
    to: "uploaded",
    set: { failureReason: null, dlqId: null, leaseUntil: null, qstashMessageId: null },
    event: {
      type: "replay_requested",
      source: "admin",
      detail: { replay, actorId: opts.actorId ?? null, previousReason: upload.failureReason, previousDlqId: upload.dlqId },
    },
  });
  if (!reopened) throw new ApiError("conflict", "The upload changed while replaying it; reload and try again.");

  let messageId: string;
  try {
    messageId = await publishJob(jobPayloadFor(reopened, replay));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`[jobs] replay publish failed for ${uploadId}: ${message}`);
    await recordPublishFailure(uploadId, message);
    return { upload: reopened, messageId: null, replay };
  }
  const queued = await transitionUpload({
    id: uploadId,
    from: ["uploaded"],
    to: "queued",
    set: { qstashMessageId: messageId, lastPublishError: null },
    event: { type: "queued", source: "admin", detail: { messageId, queue: getPlan(upload.plan).queue, replay } },
  });
  if (upload.dlqId) {
    await getQstash()
      .dlq.delete(upload.dlqId)
      .catch((error: unknown) => console.warn(`[jobs] could not delete DLQ entry ${upload.dlqId}:`, error));
  }
  return { upload: queued ?? (await getUploadById(uploadId)) ?? reopened, messageId, replay };
}
