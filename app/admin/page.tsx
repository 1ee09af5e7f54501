import Link from "next/link";
import { AdminActionButton } from "@/components/admin/admin-action-button";
import { ScrollRegion } from "@/components/admin/data-table";
import { ConfirmationsChart, ProcessingLatencyChart, ThroughputChart, TriggerLatencyChart } from "@/components/admin/overview-charts";
import { formatBytes, formatCount, formatDateTime, formatDuration } from "@/lib/admin/format";
import { getOverview, OVERVIEW_WINDOWS, PROCESSING_LATENCY_DEFINITION, parseOverviewWindow, TRIGGER_LATENCY_DEFINITION } from "@/lib/admin/get-overview";
import type { SearchParams } from "@/lib/admin/parse-upload-filters";
import { requireAdminPage } from "@/lib/admin/require-admin";
import { UPLOAD_SOURCES, UPLOAD_STATUSES } from "@/lib/db/schema";

const ATTENTION = new Set(["failed", "rejected"]);

export default async function AdminOverviewPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  await requireAdminPage();
  const window = parseOverviewWindow((await searchParams).window);
  const o = await getOverview(window);
  const hasConfirmations = o.confirmedFiles > 0;
  const hasProcessed = o.processedFiles > 0;

  return (
    <>
      <div className="admin-head">
        <h1>Overview</h1>
        <nav aria-label="Window" className="admin-windows">
          {Object.entries(OVERVIEW_WINDOWS).map(([key, spec]) => (
            <Link key={key} href={`/admin?window=${key}`} aria-current={key === window ? "true" : undefined}>
              {spec.label}
            </Link>
          ))}
        </nav>
      </div>
      <p className="admin-sub">
        {o.windowLabel}: {formatDateTime(o.since)} to {formatDateTime(o.generatedAt)}. State counts cover every upload.
      </p>

      <section aria-labelledby="states">
        <h2 id="states" className="visually-hidden">
          Uploads by state
        </h2>
        <div className="admin-stats" data-testid="state-counts">
          {UPLOAD_STATUSES.map((s) => (
            <Link
              key={s}
              href={`/admin/uploads?status=${s}`}
              className={`admin-stat${ATTENTION.has(s) && o.counts[s] ? " bad" : ""}`}
              data-testid={`count-${s}`}
            >
              <span className="label">{s}</span>
              <span className="value">{formatCount(o.counts[s])}</span>
            </Link>
          ))}
        </div>
      </section>

      <section aria-labelledby="window-stats">
        <h2 id="window-stats" className="visually-hidden">
          In this window
        </h2>
        <div className="admin-stats">
          <div className="admin-stat">
            <span className="label">Confirmed</span>
            <span className="value">{formatCount(o.confirmedFiles)}</span>
            <span className="note">{formatBytes(o.confirmedBytes)}</span>
          </div>
          <div className="admin-stat">
            <span className="label">Throughput</span>
            <span className="value">{o.filesPerHour < 10 ? o.filesPerHour.toFixed(1) : formatCount(Math.round(o.filesPerHour))} files/h</span>
            <span className="note">{formatBytes(o.bytesPerHour)}/h processed</span>
          </div>
          <Link href="/admin/uploads?source=sweep" className={`admin-stat${o.zombiesRecovered ? " warn" : ""}`} data-testid="zombies-recovered">
            <span className="label">Zombies recovered</span>
            <span className="value">{formatCount(o.zombiesRecovered)}</span>
            <span className="note">
              sweep {o.totals.sweep.files} · poll {o.totals.poll.files}
            </span>
          </Link>
          <Link href="/admin/uploads?status=expired" className="admin-stat">
            <span className="label">Intents expired</span>
            <span className="value">{formatCount(o.counters.expired)}</span>
            <span className="note">bytes never arrived</span>
          </Link>
          <div className="admin-stat" data-testid="multipart-aborted">
            <span className="label">Multipart aborted</span>
            <span className="value">{formatCount(o.counters.sweepAbortedMultipart + o.counters.abortedMultipart)}</span>
            <span className="note">
              sweep {o.counters.sweepAbortedMultipart} · cancelled {o.counters.abortedMultipart}
            </span>
          </div>
          <Link href="/admin/jobs" className={`admin-stat${o.dlq.error ? " bad" : o.dlq.count ? " warn" : ""}`} data-testid="dlq-size">
            <span className="label">DLQ size</span>
            <span className="value">{o.dlq.error ? "?" : `${formatCount(o.dlq.count)}${o.dlq.truncated ? "+" : ""}`}</span>
            <span className="note">{o.dlq.error ? "QStash unreachable" : "dead-lettered jobs"}</span>
          </Link>
        </div>
        {o.outboxFailing ? (
          <div className="admin-alert" role="alert" data-testid="outbox-failing">
            <p>
              {formatCount(o.outboxFailing)} confirmed upload(s) could not be handed to the queue after repeated tries. The sweep keeps retrying them with
              backoff; republish them now once QStash is reachable.
            </p>
            <AdminActionButton url="/api/admin/outbox/republish" label="Republish now" pendingLabel="Republishing…" testId="outbox-republish" />
          </div>
        ) : null}
        {o.dlq.error ? (
          <p className="admin-alert" role="alert" data-testid="dlq-error">
            The QStash DLQ could not be read: {o.dlq.error}. Check QSTASH_URL and QSTASH_TOKEN, or see <Link href="/admin/health">Health</Link>.
          </p>
        ) : null}
      </section>

      <div className="admin-panels">
        <section className="admin-panel" aria-labelledby="chart-confirmations-title">
          <h2 id="chart-confirmations-title">Confirmed per trigger source</h2>
          <p className="admin-def">
            Uploads confirmed per {o.bucketLabel}, by the trigger that won the race. In the window:{" "}
            {UPLOAD_SOURCES.map((s) => `${s} ${formatCount(o.totals[s].files)}`).join(" · ")}.
          </p>
          {hasConfirmations ? (
            <ConfirmationsChart data={o.buckets} bucketSeconds={o.bucketSeconds} />
          ) : (
            <p className="admin-chart-empty">No confirmations in this window.</p>
          )}
        </section>

        <section className="admin-panel" aria-labelledby="chart-throughput-title">
          <h2 id="chart-throughput-title">Throughput</h2>
          <p className="admin-def">Files confirmed and processed per hour, and bytes processed per hour (right axis).</p>
          {hasConfirmations || hasProcessed ? (
            <ThroughputChart data={o.buckets} bucketSeconds={o.bucketSeconds} />
          ) : (
            <p className="admin-chart-empty">Nothing moved in this window.</p>
          )}
        </section>

        <section className="admin-panel" aria-labelledby="chart-trigger-latency-title">
          <h2 id="chart-trigger-latency-title">Trigger latency by source</h2>
          <p className="admin-def" data-testid="trigger-latency-definition">
            {TRIGGER_LATENCY_DEFINITION}
          </p>
          {hasConfirmations ? <TriggerLatencyChart data={o.triggerLatency} /> : <p className="admin-chart-empty">No confirmations in this window.</p>}
          <ScrollRegion label="Trigger latency by source">
            <table className="admin-table">
              <thead>
                <tr>
                  <th scope="col">Source</th>
                  {["p50", "p95", "Samples", "Exact"].map((heading) => (
                    <th key={heading} scope="col" className="admin-num">
                      {heading}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {o.triggerLatency.map((l) => (
                  <tr key={l.source}>
                    <td className="admin-nowrap">{l.source}</td>
                    <td className="admin-num">{formatDuration(l.p50Ms)}</td>
                    <td className="admin-num">{formatDuration(l.p95Ms)}</td>
                    <td className="admin-num">{formatCount(l.samples)}</td>
                    <td className="admin-num" title="Samples with a recorded landing time; the rest are upper bounds">
                      {formatCount(l.exactSamples)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        </section>

        <section className="admin-panel" aria-labelledby="chart-processing-latency-title">
          <h2 id="chart-processing-latency-title">Upload-to-processed latency</h2>
          <p className="admin-def">
            {PROCESSING_LATENCY_DEFINITION} Window: p50 {formatDuration(o.processingLatency.p50Ms)}, p95 {formatDuration(o.processingLatency.p95Ms)} over{" "}
            {formatCount(o.processingLatency.samples)} uploads.
          </p>
          {hasProcessed ? (
            <ProcessingLatencyChart data={o.buckets} bucketSeconds={o.bucketSeconds} />
          ) : (
            <p className="admin-chart-empty">Nothing processed in this window.</p>
          )}
        </section>
      </div>
    </>
  );
}
