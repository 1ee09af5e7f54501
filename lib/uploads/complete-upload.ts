import { ApiError } from "@/lib/api/errors";
import { claimMultipartCompletion, getUploadById, type UploadRow } from "@/lib/db/queries/uploads";
import { confirmUpload } from "@/lib/pipeline/confirm-upload";
import { completeMultipart, headObject, isNotFound, listAllParts, type StoredPart } from "@/lib/storage/objects";
import { isTriggerEnabled } from "@/lib/triggers/trigger-settings";
import { getOwnedUpload } from "./owned-upload";
import { partCountFor, partLengthFor, partSizeFor } from "./part-size";
import { toUploadView } from "./upload-view";

/**
 * The client's claim that its bytes are in. For multipart the part list comes from
 * ListParts, never from the client; then the shared confirm step checks the object.
 * Calling it twice is harmless: the second call reports the current state.
 */
export async function completeUpload(uploadId: string, userId: string) {
  let upload = await getOwnedUpload(uploadId, userId);
  if (upload.status !== "pending" && upload.status !== "uploaded") return answerFor(upload);

  if (upload.status === "pending" && upload.s3UploadId) {
    await finishMultipart(upload);
    // Re-read: the row now says who completed the multipart upload (this call, or the sweep before it).
    upload = (await getUploadById(upload.id)) ?? upload;
    if (upload.status !== "pending" && upload.status !== "uploaded") return answerFor(upload);
  }
  // With the client trigger off (BIBLIO_TRIGGERS), the bytes are in place and another source confirms them.
  if (!isTriggerEnabled("client")) return { upload: toUploadView((await getUploadById(upload.id)) ?? upload) };

  const result = await confirmUpload(upload, "client");
  if (result.outcome === "rejected") return answerFor(result.upload);
  if (result.outcome === "missing" || result.outcome === "unchanged") {
    // Another trigger may have won the race (and, rejecting, deleted the bytes): answer
    // with the outcome it reached, so the status never depends on who was first.
    const current = (await getUploadById(upload.id)) ?? result.upload;
    if (current.status !== "pending") return answerFor(current);
    throw new ApiError("conflict", "The file has not arrived in storage yet; finish the upload first.");
  }
  return { upload: toUploadView(result.upload) };
}

/** One answer per state, whichever trigger reached it: 200 for confirmed or later, 422 rejected, 409 ended. */
function answerFor(upload: UploadRow): { upload: ReturnType<typeof toUploadView> } {
  if (upload.status === "rejected") {
    throw new ApiError("unprocessable_entity", upload.rejectReason ?? "This upload was rejected.", { status: "rejected", upload: toUploadView(upload) });
  }
  if (upload.status === "aborted" || upload.status === "expired" || upload.status === "deleted") {
    throw new ApiError("conflict", `This upload was ${upload.status}; start a new upload.`, { status: upload.status });
  }
  return { upload: toUploadView(upload) };
}

async function finishMultipart(upload: UploadRow): Promise<void> {
  let parts: StoredPart[];
  try {
    parts = await listAllParts(upload.storageKey, upload.s3UploadId!);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    // NoSuchUpload: a racing /complete (or the sweep) already completed it.
    if (await headObject(upload.storageKey)) return;
    const fresh = await getUploadById(upload.id);
    if (fresh && fresh.status !== "pending") return;
    throw new ApiError("conflict", "The multipart upload no longer exists in storage; start a new upload.");
  }
  const expected = partCountFor(upload.declaredSize, partSizeFor(upload.declaredSize));
  const have = new Set(parts.map((p) => p.partNumber));
  const missing: number[] = [];
  for (let n = 1; n <= expected; n++) if (!have.has(n)) missing.push(n);
  const total = parts.reduce((sum, p) => sum + p.size, 0);
  // Every part URL signs its exact length, so a part of any other size (or number) did
  // not come through our URLs: refuse it rather than assemble an object nobody declared.
  const partSize = partSizeFor(upload.declaredSize);
  const wrong = parts.filter((p) => p.partNumber > expected || p.size !== partLengthFor(upload.declaredSize, p.partNumber, partSize));
  if (!missing.length && wrong.length) {
    const first = wrong[0]!;
    const want = first.partNumber > expected ? "no such part" : `${partLengthFor(upload.declaredSize, first.partNumber, partSize)} bytes expected`;
    throw new ApiError("conflict", `Part ${first.partNumber} holds ${first.size} bytes (${want}); upload that part again.`, {
      wrongParts: wrong.slice(0, 20).map((p) => p.partNumber),
      expectedParts: expected,
      receivedBytes: total,
    });
  }
  if (missing.length || total !== upload.declaredSize) {
    const list = missing.slice(0, 20).join(", ") + (missing.length > 20 ? ` and ${missing.length - 20} more` : "");
    throw new ApiError(
      "conflict",
      missing.length
        ? `Parts ${list} of ${expected} have not been uploaded.`
        : `The uploaded parts hold ${total} bytes but ${upload.declaredSize} were declared.`,
      { missingParts: missing, expectedParts: expected, receivedBytes: total },
    );
  }
  // Say who completes it before completing: the storage event it fires may confirm first.
  await claimMultipartCompletion(upload.id, "client");
  try {
    await completeMultipart(upload.storageKey, upload.s3UploadId!, parts);
  } catch (error) {
    if (!isNotFound(error) || !(await headObject(upload.storageKey))) throw error;
  }
}
