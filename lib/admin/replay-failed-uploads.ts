import { ApiError } from "@/lib/api/errors";
import { replayUpload } from "@/lib/jobs/replay-upload";
import { deleteDlqEntries, listDlqEntries } from "./dlq";
import type { AdminActor } from "./record-admin-action";

export type ReplayOutcome = { uploadId: string; ok: boolean; messageId: string | null; replay: number | null; message: string | null };

/**
 * Replays failed or stuck uploads one by one (each a conditional reopen to `uploaded`
 * from the state seen, so a double click replays once), then removes any DLQ entries of
 * theirs that the upload row did not reference, keeping the DLQ and the failed list in step.
 */
export async function replayFailedUploads(uploadIds: string[], actor: AdminActor) {
  const results: ReplayOutcome[] = [];
  for (const uploadId of uploadIds) {
    try {
      const r = await replayUpload(uploadId, { actorId: actor.id });
      results.push({ uploadId, ok: true, messageId: r.messageId, replay: r.replay, message: r.messageId ? null : "Publish failed; the sweep will retry it." });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      results.push({ uploadId, ok: false, messageId: null, replay: null, message: error.message });
    }
  }
  const replayed = new Set(results.filter((r) => r.ok).map((r) => r.uploadId));
  let dlqCleared = 0;
  if (replayed.size) {
    const dlq = await listDlqEntries();
    const stale = dlq.entries.filter((e) => e.uploadId && replayed.has(e.uploadId)).map((e) => e.dlqId);
    if (stale.length) dlqCleared = await deleteDlqEntries(stale).catch(() => 0);
  }
  if (uploadIds.length === 1 && !results[0]!.ok) throw new ApiError("conflict", results[0]!.message ?? "Could not replay.");
  return { replayed: replayed.size, failed: results.length - replayed.size, dlqCleared, results };
}
