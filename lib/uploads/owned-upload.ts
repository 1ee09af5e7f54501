import { ApiError } from "@/lib/api/errors";
import { getUploadById, type UploadRow } from "@/lib/db/queries/uploads";
import { UPLOAD_ID_PATTERN } from "./upload-id";

/**
 * The upload if `userId` owns it. Someone else's upload answers exactly like an
 * unknown one (404), so ids cannot be probed.
 */
export async function getOwnedUpload(uploadId: string, userId: string): Promise<UploadRow> {
  const upload = UPLOAD_ID_PATTERN.test(uploadId) ? await getUploadById(uploadId) : null;
  if (!upload || upload.ownerId !== userId) throw new ApiError("not_found", "Upload not found.");
  return upload;
}
