import Link from "next/link";
import { AdminActionButton } from "@/components/admin/admin-action-button";
import { FailedJobsTable, type FailedJobItem } from "@/components/admin/failed-jobs-table";
import { formatCount, formatDateTime } from "@/lib/admin/format";
import { listDlqEntries } from "@/lib/admin/dlq";
import { decodePageCursor, encodePageCursor } from "@/lib/admin/page-cursor";
import type { SearchParams } from "@/lib/admin/parse-upload-filters";
import { requireAdminPage } from "@/lib/admin/require-admin";
import { listFailedUploads } from "@/lib/db/queries/admin-jobs";

export default async function AdminJobsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  await requireAdminPage();
  const sp = await searchParams;
  const cursorParam = typeof sp.cursor === "string" ? sp.cursor : undefined;
  const [failed, dlq] = await Promise.all([listFailedUploads({ cursor: decodePageCursor(cursorParam), limit: 50 }), listDlqEntries()]);

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
  const loose = cursorParam ? [] : dlq.entries.filter((e) => !e.uploadId || !failedIds.has(e.uploadId));

  return (
    <>
      <div className="admin-head">
        <h1>Jobs and DLQ</h1>
      </div>
      <p className="admin-sub">
        Failed uploads with the reason they failed. Replay publishes a fresh job and removes the DLQ entry; discard deletes the DLQ entry and leaves the upload failed.
      </p>
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
      <nav aria-label="Pages" className="admin-pager">
        {cursorParam ? <Link href="/admin/jobs">« Newest</Link> : null}
        {failed.nextCursor ? <Link href={`/admin/jobs?cursor=${encodePageCursor(failed.nextCursor)}`}>Older failures »</Link> : null}
      </nav>

      {loose.length ? (
        <section className="admin-section" aria-labelledby="loose">
          <h2 id="loose">DLQ entries without a failed upload</h2>
          <p className="admin-sub">Their upload was replayed or deleted since, or the message is not a Biblio job.</p>
          <div className="admin-table-wrap">
            <table className="admin-table">
              <thead>
                <tr>
                  <th scope="col">DLQ id</th>
                  <th scope="col">Upload</th>
                  <th scope="col">Dead-lettered</th>
                  <th scope="col">Last response</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {loose.map((e) => (
                  <tr key={e.dlqId}>
                    <td className="admin-mono">{e.dlqId}</td>
                    <td className="admin-mono">{e.uploadId ? <Link href={`/admin/uploads/${e.uploadId}`}>{e.uploadId}</Link> : "—"}</td>
                    <td className="admin-nowrap">{formatDateTime(e.createdAt)}</td>
                    <td className="admin-reason">
                      {e.responseStatus ?? "—"} {e.responseBody ?? ""}
                    </td>
                    <td>
                      <AdminActionButton url="/api/admin/jobs/discard" body={{ dlqIds: [e.dlqId] }} label="Discard" variant="secondary" describe="discard" confirm="Delete this DLQ entry?" />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
    </>
  );
}
