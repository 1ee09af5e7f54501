import { ApiError } from "@/lib/api/errors";
import { getUploadById, markObjectDeleted, recordUploadEvent } from "@/lib/db/queries/uploads";
import { deleteObject, headObject } from "@/lib/storage/objects";
import type { AdminActor } from "./record-admin-action";

/** While a trigger or a worker may still read the object, deleting it would turn into a failed job. */
const IN_FLIGHT = new Set(["pending", "uploaded", "queued", "processing"]);

/** Deletes an upload's object from the bucket (the row and its timeline stay, as the record of it). */
export async function deleteUploadObject(uploadId: string, actor: AdminActor) {
  const upload = await getUploadById(uploadId);
  if (!upload) throw new ApiError("not_found", "Upload not found.");
  if (IN_FLIGHT.has(upload.status)) {
    throw new ApiError("conflict", `This upload is ${upload.status}; cancel it or let it finish before deleting its object.`);
  }
  // Marked first: bytes that land at this key from now on are deleted by the sweep.
  await markObjectDeleted(upload.id);
  const head = await headObject(upload.storageKey);
  if (head) await deleteObject(upload.storageKey);
  await recordUploadEvent(upload.id, {
    type: "object_deleted",
    source: "admin",
    detail: { key: upload.storageKey, existed: Boolean(head), size: head?.size ?? null, actorId: actor.id, actorEmail: actor.email },
  });
  return { uploadId: upload.id, key: upload.storageKey, existed: Boolean(head), bytesFreed: head?.size ?? 0 };
}
