import Link from "next/link";
import { notFound } from "next/navigation";
import { JsonBlock } from "@/components/admin/json-block";
import { JobAttemptsTable } from "@/components/admin/upload/job-attempts-table";
import { UploadActions } from "@/components/admin/upload/upload-actions";
import { ProcessorResults, UploadDlq } from "@/components/admin/upload/upload-extras";
import { StateTimes, UploadSummary } from "@/components/admin/upload/upload-summary";
import { UploadTimelineTable } from "@/components/admin/upload/upload-timeline-table";
import { StatusBadge } from "@/components/uploads/status-badge";
import { getAdminUploadDetail } from "@/lib/admin/get-admin-upload-detail";
import { requireAdminPage } from "@/lib/admin/require-admin";

export default async function AdminUploadPage({ params }: { params: Promise<{ id: string }> }) {
  await requireAdminPage();
  const { id } = await params;
  const d = await getAdminUploadDetail(id);
  if (!d) notFound();
  const u = d.upload;

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href="/admin/uploads">Uploads</Link>
        <span aria-hidden="true"> / </span>
      </nav>
      <div className="admin-head">
        <h1 className="break">{u.name}</h1>
        <StatusBadge status={u.status} raw />
      </div>
      <p className="admin-sub admin-mono">{u.id}</p>
      <UploadActions upload={u} />

      {u.failureReason || u.rejectReason || u.lastPublishError ? (
        <p className="admin-alert" data-testid="upload-reason">
          {u.failureReason ?? u.rejectReason ?? `Publish failed ${u.publishAttempts} time(s): ${u.lastPublishError}`}
        </p>
      ) : null}

      <div className="admin-panels">
        <UploadSummary detail={d} />
        <StateTimes upload={u} />
      </div>
      <UploadTimelineTable detail={d} />
      <JobAttemptsTable detail={d} />
      <UploadDlq dlq={d.dlq} />
      <ProcessorResults result={u.result} />

      <section className="admin-section" aria-labelledby="raw">
        <h2 id="raw">Raw row</h2>
        <details>
          <summary>uploads row as stored</summary>
          <JsonBlock value={u} />
        </details>
      </section>
    </>
  );
}
