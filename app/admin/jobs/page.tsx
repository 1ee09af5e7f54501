import Link from "next/link";
import { AdminActionButton } from "@/components/admin/admin-action-button";
import { AdminHead } from "@/components/admin/admin-head";
import { AdminPager } from "@/components/admin/admin-pager";
import { type Column, DataTable } from "@/components/admin/data-table";
import { type FailedJobItem, FailedJobsTable } from "@/components/admin/failed-jobs-table";
import { cursorParam } from "@/lib/admin/cursor-param";
import { type DlqEntry, listDlqEntries } from "@/lib/admin/dlq";
import { formatCount, formatDateTime } from "@/lib/admin/format";
import { decodePageCursor, encodePageCursor } from "@/lib/admin/page-cursor";
import type { SearchParams } from "@/lib/admin/parse-upload-filters";
import { requireAdminPage } from "@/lib/admin/require-admin";
import { listFailedUploads } from "@/lib/db/queries/admin-jobs";

const LOOSE_COLUMNS: Column<DlqEntry>[] = [
  { header: "DLQ id", className: "admin-mono", cell: (e) => e.dlqId },
  { header: "Upload", className: "admin-mono", cell: (e) => (e.uploadId ? <Link href={`/admin/uploads/${e.uploadId}`}>{e.uploadId}</Link> : "—") },
  { header: "Dead-lettered", className: "admin-nowrap", cell: (e) => formatDateTime(e.createdAt) },
  { header: "Last response", className: "admin-reason", cell: (e) => `${e.responseStatus ?? "—"} ${e.responseBody ?? ""}` },
  {
    header: "Actions",
    hiddenHeader: true,
    cell: (e) => (
      <AdminActionButton
        url="/api/admin/jobs/discard"
        body={{ dlqIds: [e.dlqId] }}
        label="Discard"
        variant="secondary"
        describe="discard"
        confirm="Delete this DLQ entry?"
      />
    ),
  },
];

export default async function AdminJobsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  await requireAdminPage();
  const cursor = cursorParam(await searchParams);
  const [failed, dlq] = await Promise.all([listFailedUploads({ cursor: decodePageCursor(cursor), limit: 50 }), listDlqEntries()]);

  const dlqByUpload = new Map<string, string[]>();
  for (const e of dlq.entries) if (e.uploadId) dlqByUpload.set(e.uploadId, [...(dlqByUpload.get(e.uploadId) ?? []), e.dlqId]);
  const items: FailedJobItem[] = failed.rows.map((r) => ({
    id: r.id,
    name: r.name,
    ownerEmail: r.ownerEmail,
    plan: r.plan,
    failedAt: r.failedAt?.toISOString() ?? null,
    reason: r.failureReason,
    attempts: r.attempts,
    lastError: r.lastError,
    dlqIds: [...new Set([...(r.dlqId && dlq.entries.some((e) => e.dlqId === r.dlqId) ? [r.dlqId] : []), ...(dlqByUpload.get(r.id) ?? [])])],
  }));
  // DLQ entries whose upload is not in the failed list (replayed since, deleted, or not a job of ours).
  const failedIds = new Set(failed.rows.map((r) => r.id));
  const loose = cursor ? [] : dlq.entries.filter((e) => !e.uploadId || !failedIds.has(e.uploadId));

  return (
    <>
      <AdminHead
        title="Jobs and DLQ"
        sub="Failed uploads with the reason they failed. Replay publishes a fresh job and removes the DLQ entry; discard deletes the DLQ entry and leaves the upload failed."
      />
      {dlq.error ? (
        <p className="admin-alert" role="alert" data-testid="dlq-error">
          The QStash DLQ could not be read: {dlq.error}. The failed list below comes from the database; discarding is unavailable until QStash answers.
        </p>
      ) : (
        <p className="admin-note" data-testid="dlq-summary">
          {formatCount(dlq.entries.length)}
          {dlq.truncated ? "+" : ""} message{dlq.entries.length === 1 ? "" : "s"} in the QStash DLQ.
        </p>
      )}

      {items.length ? <FailedJobsTable items={items} dlqReadable={!dlq.error} /> : <p className="admin-note">No failed jobs.</p>}
      <AdminPager
        newestHref={cursor ? "/admin/jobs" : null}
        olderHref={failed.nextCursor ? `/admin/jobs?cursor=${encodePageCursor(failed.nextCursor)}` : null}
        olderLabel="Older failures"
      />

      {loose.length ? (
        <section className="admin-section" aria-labelledby="loose">
          <h2 id="loose">DLQ entries without a failed upload</h2>
          <p className="admin-sub">Their upload was replayed or deleted since, or the message is not a Biblio job.</p>
          <DataTable rows={loose} columns={LOOSE_COLUMNS} rowKey={(e) => e.dlqId} label="DLQ entries without a failed upload" />
        </section>
      ) : null}
    </>
  );
}
