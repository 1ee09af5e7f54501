import Link from "next/link";
import { AdminActionButton } from "@/components/admin/admin-action-button";
import { formatDateTime, formatDuration } from "@/lib/admin/format";
import { decodeNumericPageCursor, encodePageCursor } from "@/lib/admin/page-cursor";
import type { SearchParams } from "@/lib/admin/parse-upload-filters";
import { requireAdminPage } from "@/lib/admin/require-admin";
import { SWEEP_AVAILABLE } from "@/lib/admin/run-sweep-now";
import { listSweepRuns } from "@/lib/db/queries/admin-sweeps";

export default async function AdminSweepsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  await requireAdminPage();
  const sp = await searchParams;
  const cursorParam = typeof sp.cursor === "string" ? sp.cursor : undefined;
  const runs = await listSweepRuns({ cursor: decodeNumericPageCursor(cursorParam), limit: 50 });

  return (
    <>
      <div className="admin-head">
        <h1>Sweeps</h1>
        <AdminActionButton
          url="/api/admin/sweeps"
          label="Run sweep now"
          pendingLabel="Sweeping…"
          describe="sweep"
          disabled={!SWEEP_AVAILABLE}
          disabledReason={SWEEP_AVAILABLE ? undefined : "The sweep is not part of this build yet."}
          testId="run-sweep"
        />
      </div>
      <p className="admin-sub">
        Each run recovers uploads whose bytes arrived without a confirmation, expires intents past their deadline, aborts abandoned multipart uploads and
        re-publishes confirmed uploads whose publish failed.
      </p>
      {runs.rows.length ? (
        <div className="admin-table-wrap">
          <table className="admin-table" data-testid="sweep-runs">
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">Trigger</th>
                <th scope="col" className="admin-num">Duration</th>
                <th scope="col">Counts</th>
                <th scope="col">Error</th>
              </tr>
            </thead>
            <tbody>
              {runs.rows.map((r) => (
                <tr key={r.id}>
                  <td className="admin-nowrap">{formatDateTime(r.startedAt)}</td>
                  <td>{r.trigger}</td>
                  <td className="admin-num">{r.endedAt ? formatDuration(r.durationMs) : <span className="badge info">running</span>}</td>
                  <td>
                    <span className="admin-chips">
                      {Object.entries(r.counts ?? {}).map(([k, v]) => (
                        <span key={k} className={`badge${v ? " info" : ""}`}>
                          {k.replaceAll("_", " ")} {v}
                        </span>
                      ))}
                    </span>
                  </td>
                  <td className="admin-reason error-text">{r.error ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="admin-note">No sweep has run yet.</p>
      )}
      <nav aria-label="Pages" className="admin-pager">
        {cursorParam ? <Link href="/admin/sweeps">« Newest</Link> : null}
        {runs.nextCursor ? <Link href={`/admin/sweeps?cursor=${encodePageCursor(runs.nextCursor)}`}>Older runs »</Link> : null}
      </nav>
    </>
  );
}
