import Link from "next/link";
import { type Column, DataTable } from "@/components/admin/data-table";
import { formatCount, formatDateTime, formatDuration } from "@/lib/admin/format";
import { OVERVIEW_WINDOWS, parseOverviewWindow } from "@/lib/admin/get-overview";
import type { SearchParams } from "@/lib/admin/parse-upload-filters";
import { requireAdminPage } from "@/lib/admin/require-admin";
import { getTriggerStats, type TriggerSourceStats } from "@/lib/admin/trigger-stats";

const SOURCE_LABELS: Record<TriggerSourceStats["source"], string> = {
  client: "Client /complete",
  "storage-event": "Storage event",
  sweep: "Sweep (and delayed check)",
  poll: "Poll",
};

const ms = (v: number | null) => (v === null ? "—" : formatDuration(v));

const COLUMNS: Column<TriggerSourceStats>[] = [
  {
    header: "Source",
    cell: (r) => (
      <Link href={`/admin/uploads?source=${r.source}`} data-testid={`source-${r.source}`}>
        {SOURCE_LABELS[r.source]}
      </Link>
    ),
  },
  { header: "Confirmed", num: true, cell: (r) => <span data-testid={`confirmed-${r.source}`}>{formatCount(r.confirmed)}</span> },
  { header: "Share", num: true, cell: (r) => (r.share === null ? "—" : `${(r.share * 100).toFixed(1)} %`) },
  { header: "Last byte → confirmed p50", num: true, cell: (r) => <span data-testid={`p50-${r.source}`}>{ms(r.p50Ms)}</span> },
  { header: "p95", num: true, cell: (r) => ms(r.p95Ms) },
  { header: "p99", num: true, cell: (r) => ms(r.p99Ms) },
  { header: "Samples", num: true, cell: (r) => formatCount(r.samples) },
  { header: "Arrived late (duplicates)", num: true, cell: (r) => <span data-testid={`duplicates-${r.source}`}>{formatCount(r.duplicates)}</span> },
];

export default async function AdminTriggersPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  await requireAdminPage();
  const window = parseOverviewWindow((await searchParams).window);
  const t = await getTriggerStats(window);
  const withoutLanding = t.sources.reduce((n, s) => n + s.withoutLandingTime, 0);

  return (
    <>
      <div className="admin-head">
        <h1>Triggers</h1>
        <nav aria-label="Window" className="admin-windows">
          {Object.entries(OVERVIEW_WINDOWS).map(([key, spec]) => (
            <Link key={key} href={`/admin/triggers?window=${key}`} aria-current={key === window ? "true" : undefined}>
              {spec.label}
            </Link>
          ))}
        </nav>
      </div>
      <p className="admin-sub">
        {t.windowLabel}: {formatDateTime(t.since)} to {formatDateTime(t.generatedAt)}. Every source feeds the same confirm step; the first one wins and the
        others do nothing, so this is what each safety net is worth on this app&apos;s own traffic.
      </p>

      <section aria-labelledby="trigger-totals">
        <h2 id="trigger-totals" className="visually-hidden">
          In this window
        </h2>
        <div className="admin-stats">
          <div className="admin-stat">
            <span className="label">Confirmed</span>
            <span className="value" data-testid="confirmed-total">
              {formatCount(t.confirmed)}
            </span>
            <span className="note">uploads, by any source</span>
          </div>
          <div className={`admin-stat${t.recoveries["storage-event"] + t.recoveries.sweep + t.recoveries.poll ? " warn" : ""}`}>
            <span className="label">Recovered by a safety net</span>
            <span className="value" data-testid="recovered-total">
              {formatCount(t.recoveries["storage-event"] + t.recoveries.sweep + t.recoveries.poll)}
            </span>
            <span className="note" data-testid="recovered-split">
              event {formatCount(t.recoveries["storage-event"])} · sweep {formatCount(t.recoveries.sweep)} · poll {formatCount(t.recoveries.poll)}
            </span>
          </div>
          <div className="admin-stat">
            <span className="label">Duplicates suppressed</span>
            <span className="value" data-testid="duplicates-total">
              {formatCount(t.duplicates)}
            </span>
            <span className="note">triggers that found the upload already confirmed</span>
          </div>
          <Link href="/admin/uploads?status=expired" className="admin-stat">
            <span className="label">Zombie intents expired</span>
            <span className="value" data-testid="zombies-expired">
              {formatCount(t.zombies.expired)}
            </span>
            <span className="note">bytes never arrived</span>
          </Link>
          <div className="admin-stat">
            <span className="label">Multipart uploads aborted</span>
            <span className="value" data-testid="zombies-aborted-multipart">
              {formatCount(t.zombies.abortedMultipart)}
            </span>
            <span className="note">
              sweep aborted {formatCount(t.zombies.sweepAbortedSessions)} sessions · late bytes deleted {formatCount(t.zombies.lateBytes)}
            </span>
          </div>
        </div>
      </section>

      <section aria-labelledby="by-source">
        <h2 id="by-source">By source</h2>
        <DataTable rows={t.sources} columns={COLUMNS} rowKey={(r) => r.source} label="Confirmations by trigger source" testId="trigger-sources" />
        <p className="admin-note">
          Latency is the time from the last byte landing in storage to the confirmation (uploaded_at − landed_at), from a histogram the database keeps (within
          4.5 %); the landing time is the object&apos;s Last-Modified (whole seconds) or the storage event&apos;s time.
          {withoutLanding ? ` ${formatCount(withoutLanding)} confirmations had no landing time and are left out of the percentiles.` : ""} Duplicates are
          storage events that arrived after another source had confirmed the upload; QStash&apos;s deduplication then drops any second publish. The sweep ran{" "}
          {formatCount(t.sweepRuns)} times in the window and completed {formatCount(t.multipartCompleted)} multipart uploads whose client vanished.
        </p>
      </section>
    </>
  );
}
