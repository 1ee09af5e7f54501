import { AdminActionButton } from "@/components/admin/admin-action-button";
import { AdminHead } from "@/components/admin/admin-head";
import { AdminPager } from "@/components/admin/admin-pager";
import { type Column, DataTable } from "@/components/admin/data-table";
import { cursorParam } from "@/lib/admin/cursor-param";
import { formatDateTime, formatDuration } from "@/lib/admin/format";
import { decodeNumericPageCursor, encodePageCursor } from "@/lib/admin/page-cursor";
import type { SearchParams } from "@/lib/admin/parse-upload-filters";
import { requireAdminPage } from "@/lib/admin/require-admin";
import { SWEEP_AVAILABLE } from "@/lib/admin/run-sweep-now";
import { listSweepRuns } from "@/lib/db/queries/admin-sweeps";

type SweepRow = Awaited<ReturnType<typeof listSweepRuns>>["rows"][number];

const COLUMNS: Column<SweepRow>[] = [
  { header: "Started", className: "admin-nowrap", cell: (r) => formatDateTime(r.startedAt) },
  { header: "Trigger", cell: (r) => r.trigger },
  { header: "Duration", num: true, cell: (r) => (r.endedAt ? formatDuration(r.durationMs) : <span className="badge info">running</span>) },
  {
    header: "Counts",
    cell: (r) => (
      <span className="admin-chips">
        {Object.entries(r.counts ?? {}).map(([k, v]) => (
          <span key={k} className={`badge${v ? " info" : ""}`}>
            {k.replaceAll("_", " ")} {v}
          </span>
        ))}
      </span>
    ),
  },
  { header: "Error", className: "admin-reason error-text", cell: (r) => r.error ?? "" },
];

export default async function AdminSweepsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  await requireAdminPage();
  const cursor = cursorParam(await searchParams);
  const runs = await listSweepRuns({ cursor: decodeNumericPageCursor(cursor), limit: 50 });

  return (
    <>
      <AdminHead
        title="Sweeps"
        sub="Each run recovers uploads whose bytes arrived without a confirmation, expires intents past their deadline, aborts abandoned multipart uploads and re-publishes confirmed uploads whose publish failed."
      >
        <AdminActionButton
          url="/api/admin/sweeps"
          label="Run sweep now"
          pendingLabel="Sweeping…"
          describe="sweep"
          disabled={!SWEEP_AVAILABLE}
          disabledReason={SWEEP_AVAILABLE ? undefined : "The sweep is not part of this build yet."}
          testId="run-sweep"
        />
      </AdminHead>
      <DataTable rows={runs.rows} columns={COLUMNS} rowKey={(r) => r.id} label="Sweep runs" testId="sweep-runs" empty="No sweep has run yet." />
      <AdminPager
        newestHref={cursor ? "/admin/sweeps" : null}
        olderHref={runs.nextCursor ? `/admin/sweeps?cursor=${encodePageCursor(runs.nextCursor)}` : null}
        olderLabel="Older runs"
      />
    </>
  );
}
