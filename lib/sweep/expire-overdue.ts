import { expireUploads, listOverdueSinglePuts } from "@/lib/db/queries/sweep";
import { log } from "@/lib/log";
import { confirmUpload } from "@/lib/pipeline/confirm-upload";
import { headObject } from "@/lib/storage/objects";
import { mapLimit } from "./map-limit";
import type { SweepContext } from "./sweep-context";

const EXPIRY_BATCH = 200;
const HEAD_CONCURRENCY = 8;

/**
 * Overdue single-PUT intents: one HEAD each (a small set: only intents past their
 * deadline). Bytes that are there are confirmed, never expired; the rest expire. This
 * does not depend on the object listing, which may be mid-way through a large bucket.
 */
export async function expireOverdueSinglePuts(ctx: SweepContext): Promise<void> {
  let afterDeadline: Date | null = null;
  for (;;) {
    await ctx.checkpoint();
    const rows = await listOverdueSinglePuts({ bucket: ctx.bucket, afterDeadline, limit: EXPIRY_BATCH });
    if (!rows.length) return;
    const missing: string[] = [];
    await mapLimit(rows, HEAD_CONCURRENCY, async (row) => {
      try {
        if (!(await headObject(row.storageKey))) return void missing.push(row.id);
        const out = await confirmUpload(row, "sweep");
        if (out.outcome === "queued" || out.outcome === "uploaded") ctx.counts.recovered++;
        else if (out.outcome === "rejected") ctx.counts.rejected++;
      } catch (e) {
        ctx.counts.errors++;
        log.error("checking an overdue upload failed", { uploadId: row.id, error: e });
      }
    });
    ctx.counts.expired += (await expireUploads(missing, { checked: "head" })).length;
    afterDeadline = rows[rows.length - 1]!.deadlineAt;
    if (rows.length < EXPIRY_BATCH) return;
  }
}
