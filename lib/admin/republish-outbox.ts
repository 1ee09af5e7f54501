import { countOutboxFailing, listOutboxBatch, makeOutboxDue } from "@/lib/db/queries/sweep";
import { getEnv } from "@/lib/env";
import { publishUpload } from "@/lib/pipeline/confirm-upload";
import { freshDedupId } from "@/lib/queue/publish-job";
import { mapLimit } from "@/lib/sweep/map-limit";

/** One click republishes at most this many now; the rest are due at once for the next sweep. */
export const REPUBLISH_BATCH = 200;

/** Uploads whose publish keeps failing (the overview's count; the sweep keeps retrying them with backoff). */
export async function countFailingPublishes(): Promise<number> {
  return countOutboxFailing(null, getEnv().SWEEP_MAX_PUBLISH_ATTEMPTS);
}

/**
 * The overview's one-click republish: clears every failing row's backoff and publishes a
 * batch right away (each under a fresh dedup id), rather than waiting for the next sweep.
 */
export async function republishOutbox() {
  const due = await makeOutboxDue();
  const rows = await listOutboxBatch({ bucket: "", settledBefore: new Date(0), afterId: "", limit: REPUBLISH_BATCH, anyBucket: true });
  const outcomes = await mapLimit(rows, 4, async (row) => (await publishUpload(row, { dedupId: freshDedupId(row.id, "admin") })).outcome);
  const queued = outcomes.filter((o) => o === "queued").length;
  return { due, attempted: rows.length, queued, stillFailing: outcomes.filter((o) => o === "uploaded").length };
}
