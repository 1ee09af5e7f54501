import { ApiError } from "@/lib/api/errors";
import { getUploadById, transitionUpload } from "@/lib/db/queries/uploads";
import { log } from "@/lib/log";
import { getQstash } from "@/lib/queue/qstash-client";
import { abortMultipart, deleteObject, headObject, isNotFound } from "@/lib/storage/objects";
import type { AdminActor } from "./record-admin-action";

/** Stuck on the way to the worker: an admin may cancel these too (not a worker holding a live lease). */
const STUCK = ["uploaded", "queued", "processing"];

/**
 * Ends an upload on an admin's word: `aborted` (cancelled; any bytes already in storage
 * are discarded) or `expired` (the bytes never came). A pending upload can be either; one
 * stuck in `uploaded`, `queued` or `processing` (lease run out) can be cancelled, and its
 * queued message is cancelled too (were it delivered anyway, the worker skips an aborted
 * upload). Expiring an upload whose object is in fact there would lose a file, so that is
 * refused: confirm it instead. The multipart upload, if any, is aborted so its parts stop
 * costing storage.
 */
export async function cancelUpload(uploadId: string, to: "aborted" | "expired", actor: AdminActor) {
  const upload = await getUploadById(uploadId);
  if (!upload) throw new ApiError("not_found", "Upload not found.");
  const stuck = to === "aborted" && STUCK.includes(upload.status);
  if (upload.status !== "pending" && !stuck) {
    throw new ApiError(
      "conflict",
      to === "aborted"
        ? `Only a pending or stuck (uploaded, queued, processing) upload can be cancelled; this one is ${upload.status}.`
        : `Only a pending upload can be expired; this one is ${upload.status}.`,
    );
  }
  if (upload.status === "processing" && upload.leaseUntil && upload.leaseUntil.getTime() > Date.now()) {
    throw new ApiError("conflict", `A worker is processing this upload right now (lease until ${upload.leaseUntil.toISOString()}).`);
  }
  if (to === "expired" && (await headObject(upload.storageKey))) {
    throw new ApiError("conflict", "The file's bytes are in storage, so it has not expired. Run a sweep to confirm it instead.");
  }
  const ended = await transitionUpload({
    id: upload.id,
    from: [upload.status],
    to,
    lease: upload.status === "processing" ? upload.leaseUntil : undefined,
    set: { leaseUntil: null },
    event: { type: to, source: "admin", detail: { actorId: actor.id, actorEmail: actor.email, was: upload.status, previousMessageId: upload.qstashMessageId } },
  });
  if (!ended) throw new ApiError("conflict", "The upload changed state meanwhile; reload to see it.");
  if (stuck && upload.qstashMessageId) {
    await getQstash()
      .messages.cancel(upload.qstashMessageId)
      .catch((error: unknown) => log.info("the job message was already gone", { uploadId: upload.id, messageId: upload.qstashMessageId, error }));
  }

  let multipartAborted = false;
  let objectDeleted = false;
  try {
    // A stuck upload's multipart session was completed long ago: only a pending one has parts to free.
    if (upload.s3UploadId && upload.status === "pending") {
      await abortMultipart(upload.storageKey, upload.s3UploadId);
      multipartAborted = true;
    }
  } catch (error) {
    // NoSuchUpload: the multipart was already completed or aborted; nothing is left to free.
    if (!isNotFound(error)) throw error;
  }
  if (to === "aborted") {
    await deleteObject(upload.storageKey);
    objectDeleted = true;
  }
  return { uploadId: upload.id, status: ended.status, multipartAborted, objectDeleted };
}
