import { ApiError } from "@/lib/api/errors";
import { getUploadsForJobActions } from "@/lib/db/queries/admin-jobs";
import { clearUploadDlqReference } from "@/lib/db/queries/admin-uploads";
import { deleteDlqEntries, listDlqEntries } from "./dlq";
import type { AdminActor } from "./record-admin-action";

/**
 * Discards dead-lettered jobs: deletes their DLQ entries (found by the upload row's
 * dlq_id or by the uploadId in the message body) and notes it on each upload's
 * timeline. The uploads stay `failed`; nothing is retried. `dlqIds` discards entries
 * that match no upload at all.
 */
export async function discardFailedJobs(input: { uploadIds: string[]; dlqIds: string[] }, actor: AdminActor) {
  const dlq = await listDlqEntries();
  if (dlq.error) throw new ApiError("unavailable", `The QStash DLQ cannot be read right now (${dlq.error}); nothing was discarded.`);
  const uploads = await getUploadsForJobActions(input.uploadIds);
  const notFailed = uploads.filter((u) => u.status !== "failed").map((u) => u.id);
  if (notFailed.length)
    throw new ApiError("conflict", `Only failed jobs can be discarded; ${notFailed.join(", ")} ${notFailed.length === 1 ? "is" : "are"} not failed.`);

  const byUpload = new Map<string, Set<string>>();
  for (const u of uploads) byUpload.set(u.id, new Set(u.dlqId ? [u.dlqId] : []));
  for (const e of dlq.entries) if (e.uploadId && byUpload.has(e.uploadId)) byUpload.get(e.uploadId)!.add(e.dlqId);
  const known = new Set(dlq.entries.map((e) => e.dlqId));
  const loose = input.dlqIds.filter((id) => known.has(id));

  const ids = [...new Set([...[...byUpload.values()].flatMap((s) => [...s]), ...loose])];
  const deleted = await deleteDlqEntries(ids.filter((id) => known.has(id)));
  for (const [uploadId, dlqIds] of byUpload) {
    await clearUploadDlqReference(uploadId, { source: "admin", detail: { dlqIds: [...dlqIds], actorId: actor.id, actorEmail: actor.email } });
  }
  return { uploads: byUpload.size, dlqDeleted: deleted, dlqIds: ids };
}
