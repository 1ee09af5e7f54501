import { markOrphansDeleted, recordOrphans } from "@/lib/db/queries/storage-orphans";
import { getUploadByKey, recordUploadEvent } from "@/lib/db/queries/uploads";
import { isDerivedKey } from "@/lib/derived/derived-files";
import { confirmUpload } from "@/lib/pipeline/confirm-upload";
import { getBucket } from "@/lib/storage/s3-client";
import { isTriggerEnabled } from "@/lib/triggers/trigger-settings";
import type { StorageEvent } from "./parse-storage-event";

/** Timeline event of a trigger that arrived after another one had confirmed the upload. */
export const DUPLICATE_TRIGGER_EVENT = "duplicate_trigger";
const CONFIRMED = new Set(["uploaded", "queued", "processing", "processed", "failed"]);

export type EventOutcome = { key: string; outcome: string; uploadId?: string };

/**
 * Patterns 1 and 3: the event knows only the key, so the intent written at presign time
 * supplies the context, and the shared confirm step decides. A key with no intent is
 * recorded as an orphan and acknowledged, so the queue does not retry it forever.
 * Errors propagate (→ 5xx → QStash retries): a transient failure must not lose the event.
 */
export async function handleStorageEvents(events: StorageEvent[]): Promise<EventOutcome[]> {
  const bucket = getBucket();
  const out: EventOutcome[] = [];
  for (const event of events) {
    if (event.bucket && event.bucket !== bucket) {
      out.push({ key: event.key, outcome: "other_bucket" });
      continue;
    }
    // The worker's own writes (posters, sprite sheets) are tracked in derived_files, not orphans.
    if (isDerivedKey(event.key)) {
      out.push({ key: event.key, outcome: "derived" });
      continue;
    }
    const upload = await getUploadByKey(event.key);
    if (!upload) {
      if (event.kind === "created") await recordOrphans([{ key: event.key, size: event.size, etag: event.etag }]);
      else await markOrphansDeleted([event.key]);
      out.push({ key: event.key, outcome: event.kind === "created" ? "orphan" : "orphan_deleted" });
      continue;
    }
    if (event.kind === "removed") {
      await recordUploadEvent(upload.id, { type: "object_deleted", source: "storage-event", detail: { event: event.name, at: event.at } });
      out.push({ key: event.key, uploadId: upload.id, outcome: "recorded" });
      continue;
    }
    const result = await confirmUpload(upload, "storage-event");
    // The event found the upload already confirmed (it did nothing, or its re-publish was
    // deduplicated): recorded, so the admin Triggers page can show what the net caught twice.
    if (CONFIRMED.has(upload.status) || result.outcome === "unchanged") {
      await recordUploadEvent(upload.id, {
        type: DUPLICATE_TRIGGER_EVENT,
        source: "storage-event",
        detail: { status: upload.status, outcome: result.outcome },
      });
    }
    out.push({ key: event.key, uploadId: upload.id, outcome: result.outcome });
  }
  return out;
}

export function storageEventsEnabled(): boolean {
  return isTriggerEnabled("storage-event");
}
