import Link from "next/link";
import { JsonBlock } from "@/components/admin/json-block";
import { formatDateTime } from "@/lib/admin/format";
import { decodeNumericPageCursor, encodePageCursor } from "@/lib/admin/page-cursor";
import type { SearchParams } from "@/lib/admin/parse-upload-filters";
import { requireAdminPage } from "@/lib/admin/require-admin";
import { listAdminAudit } from "@/lib/db/queries/admin-audit";

export default async function AdminAuditPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  await requireAdminPage();
  const sp = await searchParams;
  const cursorParam = typeof sp.cursor === "string" ? sp.cursor : undefined;
  const audit = await listAdminAudit({ cursor: decodeNumericPageCursor(cursorParam), limit: 50 });

  return (
    <>
      <div className="admin-head">
        <h1>Audit</h1>
      </div>
      <p className="admin-sub">Every admin action, who took it and when, including refused attempts.</p>
      {audit.rows.length ? (
        <div className="admin-table-wrap">
          <table className="admin-table" data-testid="admin-audit">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {audit.rows.map((a) => (
                <tr key={a.id} data-testid="audit-row" data-action={a.action}>
                  <td className="admin-nowrap">{formatDateTime(a.at)}</td>
                  <td className="admin-name">{a.actorEmail ?? (a.detail?.actorEmail as string | undefined) ?? a.actorId}</td>
                  <td>
                    <code>{a.action}</code>
                  </td>
                  <td className="admin-mono">
                    {a.target?.startsWith("upl_") && !a.target.includes(",") ? <Link href={`/admin/uploads/${a.target}`}>{a.target}</Link> : (a.target ?? "—")}
                  </td>
                  <td>
                    <JsonBlock value={a.detail} compact />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="admin-note">No admin actions yet.</p>
      )}
      <nav aria-label="Pages" className="admin-pager">
        {cursorParam ? <Link href="/admin/audit">« Newest</Link> : null}
        {audit.nextCursor ? <Link href={`/admin/audit?cursor=${encodePageCursor(audit.nextCursor)}`}>Older entries »</Link> : null}
      </nav>
    </>
  );
}
