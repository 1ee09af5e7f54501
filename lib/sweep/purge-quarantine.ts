import { listExpiredQuarantine } from "@/lib/db/queries/quarantine";
import { transitionUpload } from "@/lib/db/queries/uploads";
import { log } from "@/lib/log";
import { deleteObject } from "@/lib/storage/objects";

/**
 * A sweep pass: deletes the bytes of rejected uploads whose quarantine (set at rejection,
 * REJECTED_QUARANTINE_HOURS) has ended, and records it on the upload. Until then the
 * bytes stay where they were uploaded, for admins to inspect. Bounded per run.
 * Returns how many were purged.
 */
export async function purgeExpiredQuarantine(opts: { now?: Date; limit?: number; deadline?: number; bucket?: string } = {}): Promise<number> {
  const rows = await listExpiredQuarantine(opts.now ?? new Date(), opts.limit ?? 200, opts.bucket);
  let purged = 0;
  for (const row of rows) {
    if (opts.deadline !== undefined && Date.now() >= opts.deadline) break;
    try {
      await deleteObject(row.storageKey);
    } catch (error) {
      log
        .child({ uploadId: row.id })
        .warn("could not delete a quarantined file; the next sweep tries again", { error: error instanceof Error ? error.message : String(error) });
      continue;
    }
    const done = await transitionUpload({
      id: row.id,
      from: ["rejected"],
      to: "rejected",
      set: { objectDeletedAt: new Date() },
      event: { type: "quarantine_purged", source: "sweep", detail: { quarantineUntil: row.quarantineUntil?.toISOString() ?? null } },
    });
    if (done) purged++;
  }
  return purged;
}
