import type { UploadEventRow } from "@/lib/db/queries/uploads";
import { formatBytes } from "@/lib/plans/plans";

type Detail = Record<string, unknown>;
/** How one event type reads to its uploader: a plain sentence built from allowlisted fields, or null to hide it. */
type UserEventView = ((detail: Detail) => string | null) | null;

const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
const bytes = (v: unknown) => (num(v) === null ? null : formatBytes(num(v)!));
/** Only the MIME-looking part of a type field; anything else is not shown. */
const mime = (v: unknown) => (typeof v === "string" && /^[a-z0-9!#$&^_.+-]{1,64}\/[a-z0-9!#$&^_.+-]{1,64}$/i.test(v) ? v : null);
const join = (...parts: (string | null)[]) => parts.filter(Boolean).join(", ") || null;

/**
 * The end user's timeline, per event type. Everything not named here (exception text,
 * publish errors, S3 upload ids, message ids, keys, who in support acted) stays in the
 * admin view only, and an event type nobody listed is hidden: new internals fail closed.
 * `reason` on `rejected` is the confirm step's sentence written for the uploader.
 */
export const USER_EVENT_VIEWS: Record<string, UserEventView> = {
  created: (d) => join(bytes(d.size), mime(d.type)),
  uploaded: (d) => join(bytes(d.size) && `${bytes(d.size)} received`, mime(d.realType) && `contents look like ${mime(d.realType)}`),
  multipart_completed: () => "all parts assembled into one file",
  queued: () => "waiting for a worker",
  requeued: () => "waiting for a worker again",
  processing: () => null,
  continued: () => "still processing: a large file takes several steps",
  retry_scheduled: () => "a temporary problem; it will be tried again",
  processed: () => null,
  failed: () => "see the reason above",
  rejected: (d) => (typeof d.reason === "string" ? d.reason.slice(0, 300) : null),
  expired: () => "the file did not arrive before the deadline",
  aborted: () => null,
  deleted: () => "the file, its previews and any unfinished parts were deleted",
  object_deleted: () => "the stored file was deleted",
  late_bytes_deleted: () => "bytes sent after the upload ended were deleted",
  quarantine_purged: () => "the refused file was deleted",
  // The reason is the preview processor's own sentence for the uploader (previewError); the tool's words stay in the log.
  preview_unavailable: (d) =>
    join(
      d.processor === "thumbnail" ? "no thumbnail" : d.processor === "storyboard" ? "no storyboard" : "no preview",
      typeof d.reason === "string" ? d.reason.slice(0, 300) : null,
    ),
  continuation_queued: null,
  multipart_aborted: null,
  publish_failed: null,
  job_rejected: null,
  lease_taken_over: null,
  failure_callback_ignored: null,
  dead_lettered: null,
  dlq_discarded: null,
  duplicate_trigger: null,
};

const SOURCE_WORDS: Record<string, string> = { client: "you", admin: "support", owner: "the owner" };

export function toUserEventViews(rows: UploadEventRow[]) {
  return rows.flatMap((row) => {
    const view = USER_EVENT_VIEWS[row.type];
    if (!view) return [];
    return [{ at: row.at.toISOString(), type: row.type, source: SOURCE_WORDS[row.source ?? ""] ?? "Biblio", detail: view(row.detail ?? {}) }];
  });
}
