import { getUploadById } from "@/lib/db/queries/uploads";
import { CHECK_MAX_ATTEMPTS, retryCheckDelaySeconds, scheduleUploadCheck, type UploadCheckInput } from "@/lib/queue/schedule-upload-check";
import { checkMultipartUpload } from "./recover-multipart";

/**
 * One delayed check of a multipart upload (POST /api/uploads/check). Parts still
 * arriving: look again later, a bounded number of times (the sweep covers the rest).
 */
export async function runUploadCheck(input: UploadCheckInput) {
  const row = await getUploadById(input.uploadId);
  if (!row) return { outcome: "gone" as const };
  const result = await checkMultipartUpload(row);
  if (result.outcome !== "incomplete" || input.attempt + 1 >= CHECK_MAX_ATTEMPTS) return { outcome: result.outcome };
  const next = input.attempt + 1;
  const messageId = await scheduleUploadCheck({ uploadId: row.id, attempt: next, delaySeconds: retryCheckDelaySeconds(next) });
  return { outcome: result.outcome, nextCheck: messageId ? next : null };
}
