import { claimMultipartCompletion, getUploadById, recordUploadEvent, transitionUpload, type UploadRow } from "@/lib/db/queries/uploads";
import { log } from "@/lib/log";
import { type ConfirmOutcome, confirmUpload } from "@/lib/pipeline/confirm-upload";
import { abortMultipart, completeMultipart, headObject, isNotFound, listAllParts, type StoredPart } from "@/lib/storage/objects";
import { checkParts, type PartsVerdict } from "@/lib/uploads/check-parts";

export type MultipartCheck =
  | { outcome: "completed"; confirm: ConfirmOutcome }
  | { outcome: "incomplete"; verdict: PartsVerdict | null }
  | { outcome: "expired"; aborted: boolean }
  | { outcome: "settled" }
  | { outcome: "busy" };

/**
 * The server-side finish for a multipart upload whose client vanished after its last
 * byte (no storage event fires: nothing exists until someone completes it). When the
 * stored parts account for every declared byte, the server completes the upload and
 * confirms it (source `sweep`); past the deadline with parts that do not add up, the
 * intent expires and its parts are freed. Used by the sweep and by the delayed check
 * scheduled when the last part's URL is signed.
 */
export async function checkMultipartUpload(row: UploadRow): Promise<MultipartCheck> {
  if (row.status !== "pending" || !row.s3UploadId) return { outcome: "settled" };
  const logger = log.child({ uploadId: row.id, source: "sweep" });
  const overdue = row.deadlineAt.getTime() < Date.now();
  let listed: StoredPart[];
  try {
    listed = await listAllParts(row.storageKey, row.s3UploadId);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    // NoSuchUpload: completed by a /complete that died before confirming, or aborted.
    if (await headObject(row.storageKey)) return { outcome: "completed", confirm: await confirmUpload((await getUploadById(row.id)) ?? row, "sweep") };
    return overdue ? expire(row, null) : { outcome: "incomplete", verdict: null };
  }

  const verdict = checkParts(row.declaredSize, listed);
  if (!verdict.complete) return overdue ? expire(row, verdict) : { outcome: "incomplete", verdict };

  if (!(await claimMultipartCompletion(row.id, "sweep"))) return { outcome: "busy" };
  try {
    await completeMultipart(row.storageKey, row.s3UploadId, verdict.parts);
  } catch (error) {
    // A racing /complete finished it first: the object is there either way.
    if (!isNotFound(error) || !(await headObject(row.storageKey))) throw error;
  }
  await recordUploadEvent(row.id, {
    type: "multipart_completed",
    source: "sweep",
    detail: { parts: verdict.parts.length, reason: "every declared byte was stored but the client never completed" },
  });
  logger.info("completed a multipart upload its client left", { parts: verdict.parts.length });
  const fresh = (await getUploadById(row.id)) ?? row;
  return { outcome: "completed", confirm: await confirmUpload(fresh, "sweep") };
}

async function expire(row: UploadRow, verdict: PartsVerdict | null): Promise<MultipartCheck> {
  const detail =
    verdict && !verdict.complete ? { storedBytes: verdict.storedBytes, missingParts: verdict.missing, wrongSizeParts: verdict.wrongSize } : { session: "gone" };
  const ended = await transitionUpload({
    id: row.id,
    from: ["pending"],
    to: "expired",
    event: { type: "expired", source: "sweep", detail: { deadline: row.deadlineAt.toISOString(), ...detail } },
  });
  if (!ended) return { outcome: "settled" };
  try {
    await abortMultipart(row.storageKey, row.s3UploadId!);
    await recordUploadEvent(row.id, { type: "multipart_aborted", source: "sweep", detail: { s3UploadId: row.s3UploadId, status: "expired" } });
    return { outcome: "expired", aborted: true };
  } catch (error) {
    // Already gone; otherwise the abandoned-session pass retries the abort.
    if (!isNotFound(error)) log.warn("aborting an expired multipart upload failed", { uploadId: row.id, error });
    return { outcome: "expired", aborted: false };
  }
}
