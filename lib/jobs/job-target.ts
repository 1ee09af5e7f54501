import type { UploadRow } from "@/lib/db/queries/uploads";
import type { JobPayload } from "./job-payload";

/**
 * The object a job reads is the one its row names, never the one its message names:
 * a message signed with a leaked QStash token must not point the worker at another
 * object. Returns which fields disagree (empty when the payload matches its row).
 */
export function payloadMismatch(payload: JobPayload, row: UploadRow): string[] {
  const fields: string[] = [];
  if (payload.bucket !== row.bucket) fields.push("bucket");
  if (payload.key !== row.storageKey) fields.push("key");
  return fields;
}

/** The payload the processors get: storage coordinates always from the row. */
export function payloadFromRow(payload: JobPayload, row: UploadRow): JobPayload {
  return { ...payload, bucket: row.bucket, key: row.storageKey };
}
