import Link from "next/link";
import { AdminHead } from "@/components/admin/admin-head";
import { AdminPager } from "@/components/admin/admin-pager";
import { type Column, DataTable } from "@/components/admin/data-table";
import { JsonBlock } from "@/components/admin/json-block";
import { cursorParam } from "@/lib/admin/cursor-param";
import { formatDateTime } from "@/lib/admin/format";
import { decodeNumericPageCursor, encodePageCursor } from "@/lib/admin/page-cursor";
import type { SearchParams } from "@/lib/admin/parse-upload-filters";
import { requireAdminPage } from "@/lib/admin/require-admin";
import { listAdminAudit } from "@/lib/db/queries/admin-audit";

type AuditRow = Awaited<ReturnType<typeof listAdminAudit>>["rows"][number];

const COLUMNS: Column<AuditRow>[] = [
  { header: "When", className: "admin-nowrap", cell: (a) => formatDateTime(a.at) },
  { header: "Who", className: "admin-name", cell: (a) => a.actorEmail ?? (a.detail?.actorEmail as string | undefined) ?? a.actorId },
  { header: "Action", cell: (a) => <code>{a.action}</code> },
  {
    header: "Target",
    className: "admin-mono",
    cell: (a) => (a.target?.startsWith("upl_") && !a.target.includes(",") ? <Link href={`/admin/uploads/${a.target}`}>{a.target}</Link> : (a.target ?? "—")),
  },
  { header: "Detail", cell: (a) => <JsonBlock value={a.detail} compact /> },
];

export default async function AdminAuditPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  await requireAdminPage();
  const cursor = cursorParam(await searchParams);
  const audit = await listAdminAudit({ cursor: decodeNumericPageCursor(cursor), limit: 50 });

  return (
    <>
      <AdminHead title="Audit" sub="Every admin action and every file an owner deleted: who, what and when, including refused attempts." />
      <DataTable
        rows={audit.rows}
        columns={COLUMNS}
        rowKey={(a) => a.id}
        rowProps={(a) => ({ "data-testid": "audit-row", "data-action": a.action })}
        label="Admin actions"
        testId="admin-audit"
        empty="No admin actions yet."
      />
      <AdminPager
        newestHref={cursor ? "/admin/audit" : null}
        olderHref={audit.nextCursor ? `/admin/audit?cursor=${encodePageCursor(audit.nextCursor)}` : null}
        olderLabel="Older entries"
      />
    </>
  );
}
