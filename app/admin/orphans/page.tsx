import Link from "next/link";
import { AdminActionButton } from "@/components/admin/admin-action-button";
import { formatBytes, formatCount, formatDateTime } from "@/lib/admin/format";
import { CLEANUP_BATCH } from "@/lib/admin/cleanup-orphans";
import { MULTIPART_SIZE_LIMIT, getOrphanLedger } from "@/lib/admin/get-orphan-ledger";
import { requireAdminPage } from "@/lib/admin/require-admin";

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
        uploads are listed live; objects without an intent come from the last sweep ({l.lastSweep ? formatDateTime(l.lastSweep.endedAt) : "no sweep has run yet"}).
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
        {l.multipart.entries.length ? (
          <div className="admin-table-wrap">
            <table className="admin-table">
              <thead>
                <tr>
                  <th scope="col">Key</th>
                  <th scope="col">Initiated</th>
                  <th scope="col" className="admin-num">Parts</th>
                  <th scope="col" className="admin-num">Bytes</th>
                  <th scope="col">Intent</th>
                  <th scope="col">State</th>
                </tr>
              </thead>
              <tbody>
                {l.multipart.entries.map((e) => (
                  <tr key={`${e.key}:${e.s3UploadId}`}>
                    <td className="admin-mono">{e.key}</td>
                    <td className="admin-nowrap">{formatDateTime(e.initiated)}</td>
                    <td className="admin-num">{e.parts ?? "—"}</td>
                    <td className="admin-num">{e.bytes === null ? "—" : formatBytes(e.bytes)}</td>
                    <td className="admin-mono">{e.uploadId ? <Link href={`/admin/uploads/${e.uploadId}`}>{e.uploadStatus}</Link> : "none"}</td>
                    <td>
                      <span className={`badge ${e.state === "active" ? "info" : "warn"}`}>{e.state}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="admin-note">No incomplete multipart uploads.</p>
        )}
      </section>

      <section className="admin-section" aria-labelledby="objs">
        <h2 id="objs">Objects without an intent</h2>
        {l.orphans.rows.length ? (
          <div className="admin-table-wrap">
            <table className="admin-table">
              <thead>
                <tr>
                  <th scope="col">Key</th>
                  <th scope="col" className="admin-num">Size</th>
                  <th scope="col">First seen</th>
                  <th scope="col">Last seen</th>
                </tr>
              </thead>
              <tbody>
                {l.orphans.rows.map((o) => (
                  <tr key={o.key}>
                    <td className="admin-mono">{o.key}</td>
                    <td className="admin-num">{o.size === null ? "—" : formatBytes(o.size)}</td>
                    <td className="admin-nowrap">{formatDateTime(o.firstSeenAt)}</td>
                    <td className="admin-nowrap">{formatDateTime(o.lastSeenAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="admin-note">The last sweep found no objects without an intent.</p>
        )}
      </section>
    </>
  );
}
