import { ApiError } from "@/lib/api/errors";
import { getUploadById, transitionUpload } from "@/lib/db/queries/uploads";
import { abortMultipart, deleteObject, headObject, isNotFound } from "@/lib/storage/objects";
import type { AdminActor } from "./record-admin-action";

/**
 * Ends a pending upload on an admin's word: `aborted` (cancelled; any bytes already in
 * storage are discarded) or `expired` (the bytes never came). Expiring an upload whose
 * object is in fact there would lose a file, so that is refused: confirm it instead.
 * The multipart upload, if any, is aborted so its parts stop costing storage.
 */
export async function cancelUpload(uploadId: string, to: "aborted" | "expired", actor: AdminActor) {
  const upload = await getUploadById(uploadId);
  if (!upload) throw new ApiError("not_found", "Upload not found.");
  if (upload.status !== "pending") {
    throw new ApiError("conflict", `Only a pending upload can be ${to === "aborted" ? "cancelled" : "expired"}; this one is ${upload.status}.`);
  }
  if (to === "expired" && (await headObject(upload.storageKey))) {
    throw new ApiError("conflict", "The file's bytes are in storage, so it has not expired. Run a sweep to confirm it instead.");
  }
  const ended = await transitionUpload({
    id: upload.id,
    from: ["pending"],
    to,
    event: { type: to, source: "admin", detail: { actorId: actor.id, actorEmail: actor.email } },
  });
  if (!ended) throw new ApiError("conflict", "The upload changed state meanwhile; reload to see it.");

  let multipartAborted = false;
  let objectDeleted = false;
  try {
    if (upload.s3UploadId) {
      await abortMultipart(upload.storageKey, upload.s3UploadId);
      multipartAborted = true;
    }
    if (to === "aborted") {
      await deleteObject(upload.storageKey);
      objectDeleted = true;
    }
  } catch (error) {
    // NoSuchUpload: the multipart was already completed or aborted; nothing is left to free.
    if (!isNotFound(error)) throw error;
  }
  return { uploadId: upload.id, status: ended.status, multipartAborted, objectDeleted };
}
