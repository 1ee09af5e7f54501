import { z } from "zod";
import { ApiError } from "@/lib/api/errors";
import { insertAdminAudit } from "@/lib/db/queries/admin-audit";
import { getUploadById, getUploadsByIds, transitionUpload, type UploadRow } from "@/lib/db/queries/uploads";
import { deleteDerived } from "@/lib/derived/derived-files";
import { log } from "@/lib/log";
import { abortMultipart, deleteObject, isNotFound } from "@/lib/storage/objects";
import { mapLimit } from "@/lib/sweep/map-limit";
import { getOwnedUpload } from "./owned-upload";
import { UPLOAD_ID_PATTERN } from "./upload-id";
import { toUploadView } from "./upload-view";

export type Deleter = { id: string; email: string };

/**
 * States the owner may delete from. `processing` is refused (409): the worker is reading
 * the object and writing derived files, and would leave those behind. Every other state
 * is safe: a pending upload's session is aborted and any bytes that still land are late
 * (the sweep deletes them); an `uploaded`/`queued` job finds the row deleted and skips.
 */
const DELETABLE = ["pending", "uploaded", "queued", "processed", "failed", "rejected", "expired", "aborted"] as const;

export const BULK_DELETE_INPUT = z
  .object({
    ids: z
      .array(z.string().regex(UPLOAD_ID_PATTERN, "must be an upload id (upl_…)"))
      .min(1, "must name at least one upload")
      .max(100, "must name at most 100 uploads")
      .refine((ids) => new Set(ids).size === ids.length, "must not repeat an id"),
  })
  .strict();

/** Whether the user may delete this upload (its owner): the upload page shows the button by it. */
export async function ownsUpload(uploadId: string, userId: string): Promise<boolean> {
  return getOwnedUpload(uploadId, userId).then(
    () => true,
    () => false,
  );
}

/** Deletes one of the user's uploads: its object, derived files and any multipart session; the row becomes `deleted`. */
export async function deleteOwnedUpload(uploadId: string, user: Deleter) {
  const upload = await getOwnedUpload(uploadId, user.id);
  return { upload: toUploadView(await deleteUpload(upload, user)) };
}

export type BulkDeleteResult = { id: string; outcome: "deleted" | "not_found" | "conflict"; message?: string };

/**
 * Deletes many at once and answers per id: ids that are not the user's read exactly like
 * unknown ones (`not_found`), and an upload in a state that cannot be deleted is a
 * `conflict` with the reason; the others are deleted regardless.
 */
export async function deleteOwnedUploads(ids: string[], user: Deleter): Promise<{ results: BulkDeleteResult[]; deleted: number }> {
  const rows = new Map((await getUploadsByIds(ids)).filter((r) => r.ownerId === user.id).map((r) => [r.id, r]));
  const results = await mapLimit(ids, 4, async (id): Promise<BulkDeleteResult> => {
    const row = rows.get(id);
    if (!row) return { id, outcome: "not_found", message: "Upload not found." };
    try {
      await deleteUpload(row, user);
      return { id, outcome: "deleted" };
    } catch (error) {
      if (error instanceof ApiError && error.code === "conflict") return { id, outcome: "conflict", message: error.message };
      throw error;
    }
  });
  return { results, deleted: results.filter((r) => r.outcome === "deleted").length };
}

async function deleteUpload(upload: UploadRow, user: Deleter): Promise<UploadRow> {
  // A repeated delete finishes the storage clean-up a failed one left (S3 deletes are idempotent).
  if (upload.status === "deleted") {
    await removeStoredFiles(upload);
    return upload;
  }
  if (!(DELETABLE as readonly string[]).includes(upload.status)) {
    throw new ApiError("conflict", `This file is ${upload.status}; delete it once processing has finished.`, { status: upload.status });
  }
  // The row first: from here on no trigger can confirm or process it, and any bytes that
  // land at its key are late bytes the sweep deletes (lib/sweep/reconcile-storage.ts).
  const deleted = await transitionUpload({
    id: upload.id,
    from: [upload.status],
    to: "deleted",
    set: { objectDeletedAt: new Date() },
    event: { type: "deleted", source: "owner", detail: { from: upload.status } },
  });
  if (!deleted) {
    const current = await getUploadById(upload.id);
    if (current?.status === "deleted") return current;
    throw new ApiError("conflict", `This file changed state (now ${current?.status ?? "gone"}) while deleting; try again.`, { status: current?.status });
  }
  await removeStoredFiles(deleted);
  await insertAdminAudit({
    actorId: user.id,
    action: "upload.delete",
    target: upload.id,
    detail: { actorEmail: user.email, by: "owner", outcome: "ok", name: upload.name, from: upload.status, size: upload.realSize ?? upload.declaredSize },
  });
  log.child({ uploadId: upload.id }).info("owner deleted an upload", { from: upload.status });
  return deleted;
}

/**
 * The object, any multipart session and the derived files. A failure here leaves the row
 * `deleted` and throws: the owner's retry (or, for the object and session, the sweep)
 * finishes the job.
 */
async function removeStoredFiles(upload: UploadRow): Promise<void> {
  const ignoreMissing = (error: unknown) => {
    if (!isNotFound(error)) throw error;
  };
  if (upload.s3UploadId) await abortMultipart(upload.storageKey, upload.s3UploadId).catch(ignoreMissing);
  await deleteObject(upload.storageKey).catch(ignoreMissing);
  await deleteDerived(upload.id);
}
