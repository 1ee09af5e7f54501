import { type Column, DataTable } from "@/components/admin/data-table";
import { formatDateTime, formatDuration } from "@/lib/admin/format";
import type { AdminUploadDetail } from "@/lib/admin/get-admin-upload-detail";

type AttemptRow = AdminUploadDetail["attempts"][number];

const TONE: Record<string, string> = { succeeded: "ok", failed: "bad", started: "info" };

const COLUMNS: Column<AttemptRow>[] = [
  { header: "#", cell: (a) => a.attempt },
  { header: "Status", cell: (a) => <span className={`badge ${TONE[a.status] ?? ""}`}>{a.status}</span> },
  { header: "Started", className: "admin-nowrap", cell: (a) => formatDateTime(a.startedAt) },
  { header: "Duration", num: true, cell: (a) => formatDuration(a.durationMs) },
  {
    header: "Message",
    className: "admin-mono",
    cell: (a) => (
      <>
        {a.messageId}
        {a.queue ? <div className="muted">{a.queue}</div> : null}
      </>
    ),
  },
  { header: "Error", className: "admin-reason", cell: (a) => a.error ?? "" },
];

/** One row per QStash delivery the worker saw. */
export function JobAttemptsTable({ detail: d }: { detail: AdminUploadDetail }) {
  return (
    <section className="admin-section" aria-labelledby="attempts">
      <h2 id="attempts">Job attempts</h2>
      <DataTable
        rows={d.attempts}
        columns={COLUMNS}
        rowKey={(a) => a.id}
        label="Job attempts"
        testId="admin-attempts"
        empty="No job has started for this upload."
      />
    </section>
  );
}
