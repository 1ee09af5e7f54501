import { ApiError } from "@/lib/api/errors";
import { isNotFound, listAllParts } from "@/lib/storage/objects";
import { getOwnedUpload } from "./owned-upload";

/** The parts S3 already holds, so a resumed upload sends only what is missing. */
export async function listUploadParts(uploadId: string, userId: string) {
  const upload = await getOwnedUpload(uploadId, userId);
  if (!upload.s3UploadId) throw new ApiError("conflict", "This upload is a single PUT, not multipart.");
  if (upload.status !== "pending") throw new ApiError("conflict", `This upload is already ${upload.status}.`);
  try {
    return { parts: await listAllParts(upload.storageKey, upload.s3UploadId) };
  } catch (error) {
    if (isNotFound(error)) throw new ApiError("conflict", "The multipart upload no longer exists in storage.");
    throw error;
  }
}
