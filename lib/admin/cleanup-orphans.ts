import { listOpenStorageOrphans, markStorageOrphansDeleted } from "@/lib/db/queries/admin-orphans";
import { getUploadByKey } from "@/lib/db/queries/uploads";
import { abortMultipart, deleteObject, isNotFound } from "@/lib/storage/objects";
import { isAppKey } from "@/lib/uploads/app-key";
import { listIncompleteMultipart } from "./get-orphan-ledger";

/** One click cleans at most this many of each kind; the rest waits for the next click or the sweep. */
export const CLEANUP_BATCH = 200;

/**
 * Aborts abandoned multipart uploads and deletes objects that have no intent. Both lists
 * are re-read now rather than trusted from the page, and each orphan's key is looked up
 * once more right before deleting: an intent may have appeared since the sweep saw it.
 */
export async function cleanupOrphans() {
  const multipart = await listIncompleteMultipart();
  let abortedMultipart = 0;
  let abortedBytes = 0;
  // Only keys under the app's prefix: in a shared bucket everything else belongs to someone else.
  for (const entry of multipart.entries.filter((e) => e.state === "abandoned" && isAppKey(e.key)).slice(0, CLEANUP_BATCH)) {
    try {
      await abortMultipart(entry.key, entry.s3UploadId);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    abortedMultipart++;
    abortedBytes += entry.bytes ?? 0;
  }

  const orphans = await listOpenStorageOrphans(CLEANUP_BATCH);
  const deleted: string[] = [];
  let deletedBytes = 0;
  let skipped = 0;
  for (const orphan of orphans.rows) {
    if (!isAppKey(orphan.key) || (await getUploadByKey(orphan.key))) {
      skipped++;
      continue;
    }
    await deleteObject(orphan.key);
    deleted.push(orphan.key);
    deletedBytes += orphan.size ?? 0;
  }
  await markStorageOrphansDeleted(deleted);
  return { abortedMultipart, abortedBytes, deletedObjects: deleted.length, deletedBytes, skippedWithIntent: skipped };
}
