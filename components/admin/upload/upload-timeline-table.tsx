import { type Column, DataTable } from "@/components/admin/data-table";
import { JsonBlock } from "@/components/admin/json-block";
import { formatDateTime, formatDuration } from "@/lib/admin/format";
import type { AdminUploadDetail } from "@/lib/admin/get-admin-upload-detail";
import { uploadTraceId } from "@/lib/trace/upload-trace";

type EventRow = AdminUploadDetail["events"][number];

/**
 * Every event, with the trace it belongs to: one trace per upload (lib/trace), so the
 * trace id finds the event's spans and log lines (`grep <trace id>`, or a trace viewer).
 */
export function UploadTimelineTable({ detail: d }: { detail: AdminUploadDetail }) {
  // created_at and the first event's time are one statement's now(), yet read back through different
  // row parsers they can differ by a millisecond: offsets count from the earlier, never negative.
  const created = Math.min(d.upload.createdAt.getTime(), ...d.events.map((e) => e.at.getTime()));
  const traceId = uploadTraceId(d.upload.id);
  const columns: Column<EventRow>[] = [
    {
      header: "At",
      className: "admin-nowrap",
      cell: (e) => (
        <>
          {formatDateTime(e.at)}
          <div className="muted">+{formatDuration(e.at.getTime() - created)}</div>
        </>
      ),
    },
    { header: "Event", cell: (e) => e.type },
    { header: "Source", cell: (e) => e.source ?? "—" },
    {
      header: "Trace",
      className: "admin-mono",
      cell: () => (traceId ? <span title={`Trace ${traceId}: grep it in the app's log, or open it in your trace viewer`}>{traceId}</span> : "—"),
    },
    { header: "Detail", cell: (e) => <JsonBlock value={e.detail} compact /> },
  ];
  return (
    <section className="admin-section" aria-labelledby="timeline">
      <h2 id="timeline">Timeline</h2>
      <DataTable
        rows={d.events}
        columns={columns}
        rowKey={(e) => e.id}
        rowProps={(e) => ({ "data-event-type": e.type, "data-trace-id": traceId ?? undefined })}
        label="Timeline"
        testId="admin-timeline"
        empty="No events recorded."
      />
    </section>
  );
}
