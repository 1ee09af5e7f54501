import type { UploadEventRow, UploadRow } from "@/lib/db/queries/uploads";

/**
 * What users see of an upload: never the owner's internals (S3 upload id, publish errors).
 * A failure that was not the file's fault reads as a plain sentence, without the last
 * delivery error QStash reported (failureReasonFrom's "(last: …)").
 */
export function toUploadView(row: UploadRow) {
  const view = toAdminUploadView(row);
  return { ...view, failureReason: view.failureReason?.replace(/ \(last: [\s\S]*\)\.$/, ". Our team can see the details.") ?? null };
}

/** The same fields with nothing withheld, for admins. */
export function toAdminUploadView(row: UploadRow) {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    id: row.id,
    projectId: row.projectId,
    name: row.name,
    type: row.declaredType,
    realType: row.realType,
    size: row.declaredSize,
    status: row.status,
    source: row.source,
    key: row.storageKey,
    options: row.options,
    rejectReason: row.rejectReason,
    failureReason: row.failureReason,
    result: row.result,
    createdAt: iso(row.createdAt),
    uploadedAt: iso(row.uploadedAt),
    queuedAt: iso(row.queuedAt),
    processingAt: iso(row.processingAt),
    processedAt: iso(row.processedAt),
    failedAt: iso(row.failedAt),
    deadlineAt: iso(row.deadlineAt),
  };
}

export type UploadView = ReturnType<typeof toUploadView>;

/** An event with its full detail: admins only (end users get user-event-view.ts). */
export function toEventView(row: UploadEventRow) {
  return { at: row.at.toISOString(), type: row.type, source: row.source, detail: row.detail };
}

export type UploadEventView = ReturnType<typeof toEventView>;
