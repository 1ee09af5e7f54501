import { ApiError } from "@/lib/api/errors";
import { getProjectForMember } from "@/lib/db/queries/projects";
import { getUploadById, type UploadRow } from "@/lib/db/queries/uploads";
import { UPLOAD_ID_PATTERN } from "./upload-id";

/**
 * States whose bytes were verified by confirm and are kept: processed files, and files
 * whose analysis failed (the bytes are still the user's own, checked file). Anything
 * earlier is not verified yet; anything else has no bytes to give.
 */
export const DOWNLOADABLE = new Set(["processed", "failed"]);

/**
 * The upload if `userId` may read its file: its owner or a member of its project. Anyone
 * else gets the same 404 as for an unknown id, so ids cannot be probed.
 */
export async function getReadableUpload(uploadId: string, userId: string): Promise<UploadRow> {
  const upload = UPLOAD_ID_PATTERN.test(uploadId) ? await getUploadById(uploadId) : null;
  const allowed = upload && (upload.ownerId === userId || (await getProjectForMember(upload.projectId, userId)) !== null);
  if (!upload || !allowed) throw new ApiError("not_found", "Upload not found.");
  return upload;
}

/** Refuses a file that is not (or no longer) there to read, saying why. */
export function assertDownloadable(upload: UploadRow): void {
  if (upload.objectDeletedAt || upload.status === "deleted") throw new ApiError("conflict", "This file has been deleted.", { status: upload.status });
  if (!DOWNLOADABLE.has(upload.status)) {
    throw new ApiError("conflict", `This file is ${upload.status}; it can be played or downloaded once it is processed.`, { status: upload.status });
  }
}
