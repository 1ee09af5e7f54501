import { ApiError } from "@/lib/api/errors";
import { transitionUpload } from "@/lib/db/queries/uploads";
import { abortMultipart, deleteObject, isNotFound } from "@/lib/storage/objects";
import { getOwnedUpload } from "./owned-upload";
import { toUploadView } from "./upload-view";

/** Cancels a pending upload: frees its parts in storage and marks the intent `aborted`. */
export async function abortUpload(uploadId: string, userId: string) {
  const upload = await getOwnedUpload(uploadId, userId);
  if (upload.status === "aborted") return { upload: toUploadView(upload) };
  if (upload.status !== "pending") {
    throw new ApiError("conflict", `This upload is already ${upload.status}; only a pending upload can be cancelled.`);
  }
  const aborted = await transitionUpload({
    id: upload.id,
    from: ["pending"],
    to: "aborted",
    event: { type: "aborted", source: "client", detail: {} },
  });
  if (!aborted) throw new ApiError("conflict", "This upload changed state while cancelling; reload to see it.");
  try {
    if (upload.s3UploadId) await abortMultipart(upload.storageKey, upload.s3UploadId);
    // A single PUT may have landed just before the cancel; cancelled bytes are not kept.
    else await deleteObject(upload.storageKey);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  return { upload: toUploadView(aborted) };
}
