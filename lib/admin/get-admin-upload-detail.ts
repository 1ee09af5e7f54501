import { getAdminUpload } from "@/lib/db/queries/admin-uploads";
import { listJobAttempts } from "@/lib/db/queries/job-attempts";
import { listUploadEvents } from "@/lib/db/queries/uploads";
import { UPLOAD_ID_PATTERN } from "@/lib/uploads/upload-id";
import { type DlqEntry, listDlqEntries } from "./dlq";

/**
 * Everything known about one upload: the row (raw), owner and project, the full
 * timeline, every job attempt, and, for a failed upload, its DLQ entries.
 */
export async function getAdminUploadDetail(uploadId: string) {
  if (!UPLOAD_ID_PATTERN.test(uploadId)) return null;
  const found = await getAdminUpload(uploadId);
  if (!found) return null;
  const [events, attempts, dlq] = await Promise.all([
    listUploadEvents(uploadId),
    listJobAttempts(uploadId),
    found.upload.status === "failed" || found.upload.dlqId ? listDlqEntries() : Promise.resolve(null),
  ]);
  const dlqEntries: DlqEntry[] = dlq ? dlq.entries.filter((e) => e.uploadId === uploadId || e.dlqId === found.upload.dlqId) : [];
  return { ...found, events, attempts, dlq: { entries: dlqEntries, error: dlq?.error ?? null } };
}

export type AdminUploadDetail = NonNullable<Awaited<ReturnType<typeof getAdminUploadDetail>>>;
