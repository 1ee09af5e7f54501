import Link from "next/link";
import { notFound } from "next/navigation";
import { AdminActionButton } from "@/components/admin/admin-action-button";
import { JsonBlock } from "@/components/admin/json-block";
import { StateBadge } from "@/components/admin/state-badge";
import { formatBytes, formatDateTime, formatDuration } from "@/lib/admin/format";
import { getAdminUploadDetail } from "@/lib/admin/get-admin-upload-detail";
import { requireAdminPage } from "@/lib/admin/require-admin";
import { REPLAYABLE } from "@/lib/jobs/replay-upload";

const SETTLED = new Set(["processed", "failed", "rejected", "expired", "aborted"]);

export default async function AdminUploadPage({ params }: { params: Promise<{ id: string }> }) {
  await requireAdminPage();
  const { id } = await params;
  const d = await getAdminUploadDetail(id);
  if (!d) notFound();
  const u = d.upload;
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
  const results = u.result && typeof u.result === "object" ? Object.entries(u.result) : [];

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href="/admin/uploads">Uploads</Link>
        <span aria-hidden="true"> / </span>
      </nav>
      <div className="admin-head">
        <h1 className="break">{u.name}</h1>
        <StateBadge status={u.status} />
      </div>
      <p className="admin-sub admin-mono">{u.id}</p>

      <div className="admin-toolbar" aria-label="Actions" role="group">
        {(REPLAYABLE as readonly string[]).includes(u.status) ? (
          <AdminActionButton url={`/api/admin/uploads/${u.id}/replay`} label="Replay" pendingLabel="Replaying…" describe="replay" testId="replay-upload" />
        ) : null}
        {u.status === "pending" ? (
          <>
            <AdminActionButton
              url={`/api/admin/uploads/${u.id}/cancel`}
              body={{ to: "aborted" }}
              label="Cancel upload"
              confirm="Cancel this upload? Its parts in storage are discarded."
              variant="secondary"
              describe="cancel"
              testId="cancel-upload"
            />
            <AdminActionButton
              url={`/api/admin/uploads/${u.id}/cancel`}
              body={{ to: "expired" }}
              label="Expire now"
              confirm="Mark this upload expired? Use this when its bytes will never come."
              variant="secondary"
              describe="cancel"
              testId="expire-upload"
            />
          </>
        ) : null}
        <AdminActionButton
          url={`/api/admin/uploads/${u.id}/delete-object`}
          label="Delete object"
          confirm={`Delete ${u.storageKey} from the bucket? This cannot be undone.`}
          variant="danger"
          describe="delete"
          disabled={!SETTLED.has(u.status)}
          disabledReason={SETTLED.has(u.status) ? undefined : "Only once the upload has settled."}
          testId="delete-object"
        />
      </div>

      {u.failureReason || u.rejectReason || u.lastPublishError ? (
        <p className="admin-alert" data-testid="upload-reason">
          {u.failureReason ?? u.rejectReason ?? `Publish failed ${u.publishAttempts} time(s): ${u.lastPublishError}`}
        </p>
      ) : null}

      <div className="admin-panels">
        <section className="admin-panel" aria-labelledby="summary">
          <h2 id="summary">Upload</h2>
          <dl className="admin-kv">
            <dt>Owner</dt>
            <dd>
              {d.owner ? (
                <>
                  <Link href={`/admin/uploads?user=${encodeURIComponent(d.owner.email)}`}>{d.owner.email}</Link> <span className="badge">{d.owner.plan}</span>
                </>
              ) : (
                u.ownerId
              )}
            </dd>
            <dt>Project</dt>
            <dd>
              <Link href={`/admin/uploads?project=${encodeURIComponent(u.projectId)}`}>{d.project?.name ?? u.projectId}</Link>
            </dd>
            <dt>Plan at presign</dt>
            <dd>{u.plan}</dd>
            <dt>Declared</dt>
            <dd>
              {u.declaredType}, {formatBytes(u.declaredSize)} ({u.declaredSize.toLocaleString("en-US")} B)
            </dd>
            <dt>Stored</dt>
            <dd>{u.realSize === null ? "—" : `${u.realType ?? "?"}, ${formatBytes(u.realSize)} (${u.realSize.toLocaleString("en-US")} B)`}</dd>
            <dt>Confirmed by</dt>
            <dd>{u.source ?? "—"}</dd>
            <dt>Storage key</dt>
            <dd className="admin-mono" data-testid="storage-key">
              {u.bucket}/{u.storageKey}
            </dd>
            <dt>Multipart id</dt>
            <dd className="admin-mono">{u.s3UploadId ?? "— (single PUT)"}</dd>
            <dt>ETag</dt>
            <dd className="admin-mono">{u.etag ?? "—"}</dd>
            <dt>QStash message</dt>
            <dd className="admin-mono">{u.qstashMessageId ?? "—"}</dd>
            <dt>DLQ id</dt>
            <dd className="admin-mono">{u.dlqId ?? "—"}</dd>
            <dt>Publish attempts</dt>
            <dd>{u.publishAttempts}</dd>
            <dt>Deadline</dt>
            <dd>{formatDateTime(u.deadlineAt)}</dd>
            <dt>Lease until</dt>
            <dd>{formatDateTime(u.leaseUntil)}</dd>
          </dl>
        </section>
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
      </div>

      <section className="admin-section" aria-labelledby="timeline">
        <h2 id="timeline">Timeline</h2>
        <div className="admin-table-wrap">
          <table className="admin-table" data-testid="admin-timeline">
            <thead>
              <tr>
                <th scope="col">At</th>
                <th scope="col">Event</th>
                <th scope="col">Source</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {d.events.map((e) => (
                <tr key={e.id} data-event-type={e.type}>
                  <td className="admin-nowrap">
                    {formatDateTime(e.at)}
                    <div className="muted">+{formatDuration(e.at.getTime() - u.createdAt.getTime())}</div>
                  </td>
                  <td>{e.type}</td>
                  <td>{e.source ?? "—"}</td>
                  <td>
                    <JsonBlock value={e.detail} compact />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section className="admin-section" aria-labelledby="attempts">
        <h2 id="attempts">Job attempts</h2>
        {d.attempts.length ? (
          <div className="admin-table-wrap">
            <table className="admin-table" data-testid="admin-attempts">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Status</th>
                  <th scope="col">Started</th>
                  <th scope="col" className="admin-num">Duration</th>
                  <th scope="col">Message</th>
                  <th scope="col">Error</th>
                </tr>
              </thead>
              <tbody>
                {d.attempts.map((a) => (
                  <tr key={a.id}>
                    <td>{a.attempt}</td>
                    <td>
                      <span className={`badge ${a.status === "succeeded" ? "ok" : a.status === "failed" ? "bad" : a.status === "started" ? "info" : ""}`}>{a.status}</span>
                    </td>
                    <td className="admin-nowrap">{formatDateTime(a.startedAt)}</td>
                    <td className="admin-num">{formatDuration(a.durationMs)}</td>
                    <td className="admin-mono">
                      {a.messageId}
                      {a.queue ? <div className="muted">{a.queue}</div> : null}
                    </td>
                    <td className="admin-reason">{a.error ?? ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="admin-note">No job has started for this upload.</p>
        )}
      </section>

      {d.dlq.entries.length || d.dlq.error ? (
        <section className="admin-section" aria-labelledby="dlq">
          <h2 id="dlq">Dead-letter queue</h2>
          {d.dlq.error ? <p className="admin-alert">The DLQ could not be read: {d.dlq.error}</p> : null}
          {d.dlq.entries.map((e) => (
            <dl key={e.dlqId} className="admin-kv admin-panel">
              <dt>DLQ id</dt>
              <dd className="admin-mono">{e.dlqId}</dd>
              <dt>Message</dt>
              <dd className="admin-mono">{e.messageId}</dd>
              <dt>Last response</dt>
              <dd>
                {e.responseStatus ?? "—"} {e.responseBody ? <JsonBlock value={e.responseBody} compact /> : null}
              </dd>
            </dl>
          ))}
        </section>
      ) : null}

      <section className="admin-section" aria-labelledby="results">
        <h2 id="results">Processor results</h2>
        {results.length ? (
          <div className="admin-panels">
            {results.map(([name, value]) => (
              <div key={name} className="admin-panel">
                <h3>{name}</h3>
                <JsonBlock value={value} />
              </div>
            ))}
          </div>
        ) : (
          <p className="admin-note">No results recorded.</p>
        )}
      </section>

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
