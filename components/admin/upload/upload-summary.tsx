import Link from "next/link";
import type { ReactNode } from "react";
import { JsonBlock } from "@/components/admin/json-block";
import { formatBytes, formatDateTime, formatDuration } from "@/lib/admin/format";
import type { AdminUploadDetail } from "@/lib/admin/get-admin-upload-detail";
import { uploadTraceId } from "@/lib/trace/upload-trace";

type Upload = AdminUploadDetail["upload"];

function sizeText(type: string | null, size: number): string {
  return `${type ?? "?"}, ${formatBytes(size)} (${size.toLocaleString("en-US")} B)`;
}

type Fact = { label: string; value: ReactNode; className?: string; testId?: string };

/** The row's facts: who, where it is stored, and how it was confirmed and queued. */
export function UploadSummary({ detail: d }: { detail: AdminUploadDetail }) {
  const u = d.upload;
  const owner = d.owner ? (
    <>
      <Link href={`/admin/uploads?user=${encodeURIComponent(d.owner.email)}`}>{d.owner.email}</Link> <span className="badge">{d.owner.plan}</span>
    </>
  ) : (
    u.ownerId
  );
  const facts: Fact[] = [
    { label: "Owner", value: owner },
    { label: "Project", value: <Link href={`/admin/uploads?project=${encodeURIComponent(u.projectId)}`}>{d.project?.name ?? u.projectId}</Link> },
    { label: "Plan at presign", value: u.plan },
    { label: "Declared", value: sizeText(u.declaredType, u.declaredSize) },
    { label: "Stored", value: u.realSize === null ? "—" : sizeText(u.realType, u.realSize) },
    { label: "Confirmed by", value: u.source ?? "—" },
    { label: "Storage key", value: `${u.bucket}/${u.storageKey}`, className: "admin-mono", testId: "storage-key" },
    { label: "Multipart id", value: u.s3UploadId ?? "— (single PUT)", className: "admin-mono" },
    { label: "ETag", value: u.etag ?? "—", className: "admin-mono" },
    { label: "QStash message", value: u.qstashMessageId ?? "—", className: "admin-mono" },
    { label: "DLQ id", value: u.dlqId ?? "—", className: "admin-mono" },
    { label: "Trace id", value: uploadTraceId(u.id) ?? "—", className: "admin-mono", testId: "trace-id" },
    { label: "Publish attempts", value: u.publishAttempts },
    { label: "Deadline", value: formatDateTime(u.deadlineAt) },
    { label: "Lease until", value: formatDateTime(u.leaseUntil) },
  ];
  return (
    <section className="admin-panel" aria-labelledby="summary">
      <h2 id="summary">Upload</h2>
      <dl className="admin-kv">
        {facts.map((f) => (
          <div key={f.label} className="admin-kv-row">
            <dt>{f.label}</dt>
            <dd className={f.className} data-testid={f.testId}>
              {f.value}
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

/** When the row reached each state, and how long after creation. */
export function StateTimes({ upload: u }: { upload: Upload }) {
  const stamps: [string, Date | null][] = [
    ["created", u.createdAt],
    ["uploaded", u.uploadedAt],
    ["queued", u.queuedAt],
    ["processing", u.processingAt],
    ["processed", u.processedAt],
    ["failed", u.failedAt],
    ["expired", u.expiredAt],
    ["aborted", u.abortedAt],
    ["rejected", u.rejectedAt],
  ];
  return (
    <section className="admin-panel" aria-labelledby="times">
      <h2 id="times">State times</h2>
      <dl className="admin-kv">
        {stamps.map(([label, at]) =>
          at ? (
            <div key={label} className="admin-kv-row">
              <dt>{label}</dt>
              <dd>
                {formatDateTime(at)}
                {label !== "created" ? <span className="muted"> (+{formatDuration(at.getTime() - u.createdAt.getTime())})</span> : null}
              </dd>
            </div>
          ) : null,
        )}
      </dl>
      <h3 className="admin-subhead">Analysis options</h3>
      <JsonBlock value={u.options} />
    </section>
  );
}
