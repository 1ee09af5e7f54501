import { ApiError } from "@/lib/api/errors";
import { countReplays } from "@/lib/db/queries/job-attempts";
import { getUploadById, recordPublishFailure, transitionUpload, type UploadRow } from "@/lib/db/queries/uploads";
import { log } from "@/lib/log";
import { jobPayloadFor } from "@/lib/pipeline/confirm-upload";
import { getPlan } from "@/lib/plans/plans";
import { publishJob } from "@/lib/queue/publish-job";
import { getQstash } from "@/lib/queue/qstash-client";
import { REPLAYABLE } from "./replayable";

export type ReplayResult = {
  upload: UploadRow;
  /** Null when the publish failed: the upload stays `uploaded` for the sweep's outbox pass. */
  messageId: string | null;
  replay: number;
};

export { REPLAYABLE };

/**
 * Re-enqueues an upload (admin dashboard): a failed one, or one stuck in `uploaded`,
 * `queued` or `processing` (only once its lease ran out: a live worker is not stuck).
 * Each replay publishes under its own dedup id (`<uploadId>-replay-<n>`): the original
 * id would be swallowed by QStash's deduplication. The reopen is conditional on the state
 * (and lease) seen, so two admins clicking at once produce one replay; the old message
 * is recorded as superseded, so its late failure callback cannot fail the replay.
 */
export async function replayUpload(uploadId: string, opts: { actorId?: string } = {}): Promise<ReplayResult> {
  const upload = await getUploadById(uploadId);
  if (!upload) throw new ApiError("not_found", "Upload not found.");
  if (!(REPLAYABLE as readonly string[]).includes(upload.status)) {
    throw new ApiError("conflict", `Only failed or stuck uploads (uploaded, queued, processing) can be replayed; this one is ${upload.status}.`);
  }
  if (upload.status === "processing" && upload.leaseUntil && upload.leaseUntil.getTime() > Date.now()) {
    throw new ApiError(
      "conflict",
      `A worker is processing this upload right now (lease until ${upload.leaseUntil.toISOString()}); replay it if that lease runs out.`,
    );
  }

  const replay = (await countReplays(uploadId)) + 1;
  const reopened = await transitionUpload({
    id: uploadId,
    from: [upload.status],
    to: "uploaded",
    lease: upload.status === "processing" ? upload.leaseUntil : undefined,
    set: { failureReason: null, dlqId: null, leaseUntil: null, qstashMessageId: null },
    event: {
      type: "replay_requested",
      source: "admin",
      detail: {
        replay,
        actorId: opts.actorId ?? null,
        was: upload.status,
        previousMessageId: upload.qstashMessageId,
        previousReason: upload.failureReason,
        previousDlqId: upload.dlqId,
      },
    },
  });
  if (!reopened) throw new ApiError("conflict", "The upload changed while replaying it; reload and try again.");

  let messageId: string;
  try {
    messageId = await publishJob(jobPayloadFor(reopened, replay));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log.error("replay publish failed; the outbox will retry it", { uploadId, replay, error: message });
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
      .catch((error: unknown) => log.warn("could not delete the DLQ entry", { uploadId, dlqId: upload.dlqId, error }));
  }
  return { upload: queued ?? (await getUploadById(uploadId)) ?? reopened, messageId, replay };
}
