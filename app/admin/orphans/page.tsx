import Link from "next/link";
import { AdminActionButton } from "@/components/admin/admin-action-button";
import { type Column, DataTable } from "@/components/admin/data-table";
import { CLEANUP_BATCH } from "@/lib/admin/cleanup-orphans";
import { formatBytes, formatCount, formatDateTime } from "@/lib/admin/format";
import { getOrphanLedger, MULTIPART_SIZE_LIMIT } from "@/lib/admin/get-orphan-ledger";
import { requireAdminPage } from "@/lib/admin/require-admin";

type Ledger = Awaited<ReturnType<typeof getOrphanLedger>>;

const MULTIPART_COLUMNS: Column<Ledger["multipart"]["entries"][number]>[] = [
  { header: "Key", className: "admin-mono", cell: (e) => e.key },
  { header: "Initiated", className: "admin-nowrap", cell: (e) => formatDateTime(e.initiated) },
  { header: "Parts", num: true, cell: (e) => e.parts ?? "—" },
  { header: "Bytes", num: true, cell: (e) => (e.bytes === null ? "—" : formatBytes(e.bytes)) },
  { header: "Intent", className: "admin-mono", cell: (e) => (e.uploadId ? <Link href={`/admin/uploads/${e.uploadId}`}>{e.uploadStatus}</Link> : "none") },
  { header: "State", cell: (e) => <span className={`badge ${e.state === "active" ? "info" : "warn"}`}>{e.state}</span> },
];

const ORPHAN_COLUMNS: Column<Ledger["orphans"]["rows"][number]>[] = [
  { header: "Key", className: "admin-mono", cell: (o) => o.key },
  { header: "Size", num: true, cell: (o) => (o.size === null ? "—" : formatBytes(o.size)) },
  { header: "First seen", className: "admin-nowrap", cell: (o) => formatDateTime(o.firstSeenAt) },
  { header: "Last seen", className: "admin-nowrap", cell: (o) => formatDateTime(o.lastSeenAt) },
];

export default async function AdminOrphansPage() {
  await requireAdminPage();
  const l = await getOrphanLedger();
  const nothing = l.abandonedCount === 0 && l.orphans.total === 0;

  return (
    <>
      <div className="admin-head">
        <h1>Orphan ledger</h1>
        <AdminActionButton
          url="/api/admin/orphans/cleanup"
          label="Clean up"
          pendingLabel="Cleaning…"
          confirm={`Abort up to ${CLEANUP_BATCH} abandoned multipart uploads and delete up to ${CLEANUP_BATCH} objects that have no upload intent?`}
          variant="danger"
          describe="cleanup"
          disabled={nothing}
          disabledReason={nothing ? "Nothing to clean up." : undefined}
          testId="cleanup-orphans"
        />
      </div>
      <p className="admin-sub">
        Storage Biblio pays for but no upload will ever use: parts of multipart uploads nobody will complete, and objects with no upload intent. Multipart
        uploads are listed live; objects without an intent come from the last sweep (
        {l.lastSweep ? formatDateTime(l.lastSweep.endedAt) : "no sweep has run yet"}).
      </p>

      <div className="admin-stats">
        <div className={`admin-stat${l.abandonedCount ? " warn" : ""}`} data-testid="abandoned-bytes">
          <span className="label">Abandoned multipart</span>
          <span className="value">{formatBytes(l.abandonedBytes)}</span>
          <span className="note">{formatCount(l.abandonedCount)} upload(s)</span>
        </div>
        <div className="admin-stat">
          <span className="label">In-progress multipart</span>
          <span className="value">{formatBytes(l.activeBytes)}</span>
          <span className="note">{formatCount(l.multipart.entries.length - l.abandonedCount)} upload(s) still in progress or under an hour old</span>
        </div>
        <div className={`admin-stat${l.orphans.total ? " warn" : ""}`} data-testid="orphan-bytes">
          <span className="label">Objects without intent</span>
          <span className="value">{formatBytes(l.orphans.bytes)}</span>
          <span className="note">{formatCount(l.orphans.total)} object(s)</span>
        </div>
      </div>

      <section className="admin-section" aria-labelledby="mp">
        <h2 id="mp">Incomplete multipart uploads</h2>
        {l.multipart.error ? <p className="admin-alert">ListMultipartUploads failed: {l.multipart.error}</p> : null}
        {l.multipart.truncated || l.multipart.entries.length > MULTIPART_SIZE_LIMIT ? (
          <p className="admin-note">
            Bounded: the first page of ListMultipartUploads, with part sizes measured for the oldest {MULTIPART_SIZE_LIMIT}. Totals are lower bounds.
          </p>
        ) : null}
        <DataTable
          rows={l.multipart.entries}
          columns={MULTIPART_COLUMNS}
          rowKey={(e) => `${e.key}:${e.s3UploadId}`}
          label="Incomplete multipart uploads"
          empty="No incomplete multipart uploads."
        />
      </section>

      <section className="admin-section" aria-labelledby="objs">
        <h2 id="objs">Objects without an intent</h2>
        <DataTable
          rows={l.orphans.rows}
          columns={ORPHAN_COLUMNS}
          rowKey={(o) => o.key}
          label="Objects without an intent"
          empty="The last sweep found no objects without an intent."
        />
      </section>
    </>
  );
}
