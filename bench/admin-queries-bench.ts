/**
 * Admin dashboard query benchmark: seeds a throwaway user and project with N uploads
 * (default 100,000) plus their timeline and job rows, times every admin query function
 * through the app's own DB path (Neon driver → WebSocket proxy → Postgres), prints a
 * table and the EXPLAIN plans of the list queries, then deletes everything it seeded.
 *
 *   npx tsx bench/admin-queries-bench.ts                 # 100k uploads
 *   npx tsx bench/admin-queries-bench.ts --rows 1000000  # 1M (takes a few minutes to seed)
 *   npx tsx bench/admin-queries-bench.ts --no-explain
 *
 * Runs in the test world (bench/world.ts: slot BIBLIO_TEST_SLOT, 9 by default), starting the
 * slot's stack if it is not running. Overview rows read the trigger-maintained rollups and
 * latency histograms; the "(recount)" rows beside them are the same figures aggregated from
 * uploads, for comparison. "whole page" is getOverview: every query at once plus the DLQ
 * listing from QStash.
 * The seeded rows never look like work to the sweep: pending rows have a deadline a day
 * ahead, and there are no `uploaded` or `processing` rows.
 */

import { randomUUID } from "node:crypto";
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { type Captured, captureQueries } from "./capture-queries";
import { benchStack } from "./world";

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const ROWS = Number(arg("rows") ?? 100_000);
const RUNS = Number(arg("runs") ?? 7);
const EXPLAIN = !process.argv.includes("--no-explain");
const BUDGET_MS = 200;

async function main() {
  const stack = await benchStack();
  Object.assign(process.env, stack.env);
  // Seeding a million rows is one long statement; the app's per-statement bound would cancel it.
  process.env.DB_QUERY_TIMEOUT_MS = String(30 * 60_000);
  const { getDb, closeDb } = await import("@/lib/db/node");
  const { listAdminUploads, countUploadsByStatus } = await import("@/lib/db/queries/admin-uploads");
  const { listFailedUploads } = await import("@/lib/db/queries/admin-jobs");
  const { listAdminUsers } = await import("@/lib/db/queries/admin-users");
  const { listAdminAudit } = await import("@/lib/db/queries/admin-audit");
  const { listSweepRuns } = await import("@/lib/db/queries/admin-sweeps");
  const { getConfirmationsByBucket, getProcessedByBucket, getProcessingLatency, getStatusCounts, getTriggerLatency, getWindowCounters } = await import(
    "@/lib/db/queries/admin-stats"
  );
  const { getOverview } = await import("@/lib/admin/get-overview");
  const { listDlqEntries } = await import("@/lib/admin/dlq");
  const { countFailingPublishes } = await import("@/lib/admin/republish-outbox");

  const db = getDb();
  const pool = db.$client;
  const run = (q: string) => pool.query(q);

  // Every statement the app sends is captured, so EXPLAIN runs the exact SQL and parameters.
  const capture = captureQueries(pool);

  const tag = randomUUID().slice(0, 8);
  const userId = `bench-${tag}`;
  const projectId = `prj_bench-${tag}`;
  console.log(`seeding ${ROWS.toLocaleString("en-US")} uploads for ${userId} …`);
  const t0 = performance.now();
  try {
    await run(`insert into "user" (id, name, email, plan) values ('${userId}', 'Bench', '${userId}@bench.invalid', 'pro')`);
    await run(`insert into projects (id, name, owner_id) values ('${projectId}', 'Bench project', '${userId}')`);
    // Spread over the last 7 days, newest ids sorting last like real UUIDv7 ids.
    await run(`
      insert into uploads (id, owner_id, project_id, plan, bucket, storage_key, name, safe_name, declared_type, declared_size,
        real_type, real_size, status, source, deadline_at, created_at, uploaded_at, queued_at, processing_at, processed_at, failed_at,
        expired_at, aborted_at, rejected_at, failure_reason, updated_at)
      select id, '${userId}', '${projectId}', 'pro', 'bench', 'bench/' || id || '/' || name, name, name, type, size,
        case when st in ('processed','failed','queued','rejected') then type end,
        case when st in ('processed','failed','queued','rejected') then size end,
        st,
        case when st in ('processed','failed','queued','rejected') then src end,
        case when st = 'pending' then now() + interval '1 day' else created + interval '1 day' end,
        created,
        case when st in ('processed','failed','queued','rejected') then created + (lat_ms || ' milliseconds')::interval end,
        case when st in ('processed','failed','queued') then created + ((lat_ms + 40) || ' milliseconds')::interval end,
        case when st in ('processed','failed') then created + ((lat_ms + 300) || ' milliseconds')::interval end,
        case when st = 'processed' then created + ((lat_ms + proc_ms) || ' milliseconds')::interval end,
        case when st = 'failed' then created + ((lat_ms + proc_ms) || ' milliseconds')::interval end,
        case when st = 'expired' then created + interval '1 day' end,
        case when st = 'aborted' then created + interval '2 minutes' end,
        case when st = 'rejected' then created + (lat_ms || ' milliseconds')::interval end,
        case when st = 'failed' then 'The media probe could not read this file.' end,
        created
      from (
        select n,
          'upl_' || lpad(to_hex((extract(epoch from created) * 1000)::bigint), 12, '0') || '-7' || substr(md5(n::text), 1, 3) || '-8' || substr(md5(n::text), 4, 3) || '-' || substr(md5(n::text), 7, 12) as id,
          created, st, src, type, size, lat_ms, proc_ms,
          (array['holiday','lecture','interview','drone','concert','scan','invoice','podcast','wedding','timelapse'])[1 + n % 10]
            || '-' || n || (case type when 'video/mp4' then '.mp4' when 'image/png' then '.png' when 'audio/mpeg' then '.mp3' else '.pdf' end) as name
        from (
          select n,
            now() - ((${ROWS} - n) * (7 * 86400000.0 / ${ROWS}) || ' milliseconds')::interval as created,
            case when n % 100 < 80 then 'processed' when n % 100 < 83 then 'failed' when n % 100 < 86 then 'pending'
                 when n % 100 < 90 then 'expired' when n % 100 < 93 then 'aborted' when n % 100 < 95 then 'rejected' else 'queued' end as st,
            case when n % 97 < 82 then 'client' when n % 97 < 92 then 'storage-event' when n % 97 < 96 then 'sweep' else 'poll' end as src,
            (array['video/mp4','video/mp4','video/mp4','image/png','audio/mpeg','application/pdf'])[1 + n % 6] as type,
            (1024 + (n::bigint * 7919) % 2000000000) as size,
            (50 + (n * 31) % 4000) as lat_ms,
            (500 + (n * 17) % 60000) as proc_ms
          from generate_series(1, ${ROWS}) n
        ) g
      ) s`);
    await run(`
      insert into upload_events (upload_id, at, type, source, detail)
      select id, created_at, 'created', 'client', '{}'::jsonb from uploads where owner_id = '${userId}'
      union all
      select id, uploaded_at, 'uploaded', source,
        case when source in ('storage-event','sweep','poll') then jsonb_build_object('lastModified', to_char((uploaded_at - interval '150 milliseconds') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) else '{}'::jsonb end
        from uploads where owner_id = '${userId}' and uploaded_at is not null`);
    await run(`
      insert into jobs (upload_id, message_id, queue, attempt, status, started_at, ended_at, duration_ms, error)
      select id, 'msg_' || id, 'biblio-pro', a, 'failed', failed_at - interval '1 minute', failed_at, 1200, 'probe: unsupported codec'
      from uploads, generate_series(0, 2) a where owner_id = '${userId}' and status = 'failed'`);
    await run(`vacuum (analyze) uploads`);
    await run(`vacuum (analyze) upload_events`);
    await run(`vacuum (analyze) jobs`);
    console.log(`seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const total = (await run(`select count(*)::int as n from uploads`)) as unknown as { rows: { n: number }[] };
    console.log(`uploads table now holds ${total.rows[0]!.n.toLocaleString("en-US")} rows\n`);

    const mid = (await run(
      `select created_at, id from uploads where owner_id = '${userId}' order by created_at desc, id desc offset ${Math.floor(ROWS / 2)} limit 1`,
    )) as unknown as {
      rows: { created_at: Date; id: string }[];
    };
    const deep = { at: new Date(mid.rows[0]!.created_at), id: mid.rows[0]!.id };
    const anyId = mid.rows[0]!.id.slice(0, 20);
    const day = (d: number) => new Date(Date.now() - d * 86_400_000);
    const since24h = day(1);
    const since7d = day(7);

    // The pre-rollup queries: the same figures aggregated from uploads, for the side-by-side rows.
    const recount = {
      confirmations: (since: Date, seconds: number) =>
        run(`select date_bin(make_interval(secs => ${seconds}), uploaded_at, timestamptz '2000-01-01 00:00:00+00') as at, source, count(*)::int, coalesce(sum(real_size), 0)::bigint
             from uploads where source is not null and uploaded_at >= '${since.toISOString()}' group by 1, 2`),
      processed: (since: Date, seconds: number) =>
        run(`select date_bin(make_interval(secs => ${seconds}), processed_at, timestamptz '2000-01-01 00:00:00+00') as at, count(*)::int, coalesce(sum(real_size), 0)::bigint,
               percentile_cont(0.5) within group (order by extract(epoch from processed_at - uploaded_at) * 1000),
               percentile_cont(0.95) within group (order by extract(epoch from processed_at - uploaded_at) * 1000)
             from uploads where processed_at >= '${since.toISOString()}' group by 1`),
    };

    const cases: { name: string; list: boolean; fn: () => Promise<unknown> }[] = [
      { name: "uploads: first page, no filter", list: true, fn: () => listAdminUploads({ filters: {}, cursor: null, limit: 50 }) },
      { name: "uploads: page at row N/2", list: true, fn: () => listAdminUploads({ filters: {}, cursor: deep, limit: 50 }) },
      { name: "uploads: status=failed", list: true, fn: () => listAdminUploads({ filters: { status: "failed" }, cursor: null, limit: 50 }) },
      { name: "uploads: status=failed, page at N/2", list: true, fn: () => listAdminUploads({ filters: { status: "failed" }, cursor: deep, limit: 50 }) },
      { name: "uploads: user + status", list: true, fn: () => listAdminUploads({ filters: { ownerId: userId, status: "expired" }, cursor: null, limit: 50 }) },
      { name: "uploads: project", list: true, fn: () => listAdminUploads({ filters: { projectId }, cursor: deep, limit: 50 }) },
      { name: "uploads: source=poll", list: true, fn: () => listAdminUploads({ filters: { source: "poll" }, cursor: null, limit: 50 }) },
      { name: "uploads: type=pdf", list: true, fn: () => listAdminUploads({ filters: { type: "pdf" }, cursor: null, limit: 50 }) },
      { name: "uploads: date range (1 day)", list: true, fn: () => listAdminUploads({ filters: { from: day(4), to: day(3) }, cursor: null, limit: 50 }) },
      { name: "uploads: search common word", list: true, fn: () => listAdminUploads({ filters: { q: "lecture" }, cursor: null, limit: 50 }) },
      {
        name: "uploads: search rare name",
        list: true,
        fn: () => listAdminUploads({ filters: { q: `drone-${Math.floor(ROWS / 30) * 10 + 3}.` }, cursor: null, limit: 50 }),
      },
      { name: "uploads: search no match", list: true, fn: () => listAdminUploads({ filters: { q: "zzqqxx" }, cursor: null, limit: 50 }) },
      { name: "uploads: search id prefix", list: true, fn: () => listAdminUploads({ filters: { q: anyId }, cursor: null, limit: 50 }) },
      { name: "jobs: failed list", list: true, fn: () => listFailedUploads({ cursor: null, limit: 50 }) },
      { name: "jobs: failed list, page at N/2", list: true, fn: () => listFailedUploads({ cursor: deep, limit: 50 }) },
      { name: "users: first page", list: true, fn: () => listAdminUsers({ cursor: null, limit: 50 }) },
      { name: "users: search", list: true, fn: () => listAdminUsers({ q: "biblio", cursor: null, limit: 50 }) },
      { name: "audit: first page", list: true, fn: () => listAdminAudit({ cursor: null, limit: 50 }) },
      { name: "sweeps: first page", list: true, fn: () => listSweepRuns({ cursor: null, limit: 50 }) },
      { name: "overview: counts by state", list: false, fn: () => getStatusCounts() },
      { name: "overview: counts by state (recount)", list: false, fn: () => countUploadsByStatus() },
      { name: "overview: confirmations 24h", list: false, fn: () => getConfirmationsByBucket(since24h, 3600) },
      { name: "overview: confirmations 7d", list: false, fn: () => getConfirmationsByBucket(since7d, 21600) },
      { name: "overview: processed 24h", list: false, fn: () => getProcessedByBucket(since24h, 3600) },
      { name: "overview: processed 7d", list: false, fn: () => getProcessedByBucket(since7d, 21600) },
      { name: "overview: processed 1h", list: false, fn: () => getProcessedByBucket(day(1 / 24), 300) },
      { name: "overview: processing latency 24h", list: false, fn: () => getProcessingLatency(since24h) },
      { name: "overview: processing latency 7d", list: false, fn: () => getProcessingLatency(since7d) },
      { name: "overview: trigger latency 1h", list: false, fn: () => getTriggerLatency(day(1 / 24)) },
      { name: "overview: trigger latency 24h", list: false, fn: () => getTriggerLatency(since24h) },
      { name: "overview: trigger latency 7d", list: false, fn: () => getTriggerLatency(since7d) },
      { name: "overview: window counters 7d", list: false, fn: () => getWindowCounters(since7d) },
      { name: "overview: failing publishes", list: false, fn: () => countFailingPublishes() },
      { name: "overview: DLQ entries (QStash)", list: false, fn: () => listDlqEntries() },
      { name: "overview: confirmations 7d (recount)", list: false, fn: () => recount.confirmations(since7d, 21600) },
      { name: "overview: processed 7d (recount)", list: false, fn: () => recount.processed(since7d, 21600) },
      { name: "overview: whole page 24h", list: false, fn: () => getOverview("24h") },
      { name: "overview: whole page 7d", list: false, fn: () => getOverview("7d") },
    ];

    const results: { name: string; list: boolean; median: number; max: number; plan: Captured[] }[] = [];
    for (const c of cases) {
      // The warm-up's statements must not land in the previous case's captured plan.
      capture.take();
      await c.fn();
      const times: number[] = [];
      let plan: Captured[] = [];
      for (let i = 0; i < RUNS; i++) {
        capture.take();
        const s = performance.now();
        await c.fn();
        times.push(performance.now() - s);
        plan = capture.take();
      }
      times.sort((a, b) => a - b);
      results.push({ name: c.name, list: c.list, median: times[Math.floor(times.length / 2)]!, max: times[times.length - 1]!, plan });
    }

    const pad = (s: string, n: number) => s.padEnd(n);
    console.log(`${pad("query", 42)} ${"median ms".padStart(10)} ${"max ms".padStart(8)}  budget`);
    for (const r of results) {
      const budgeted = r.list || (r.name.startsWith("overview:") && !r.name.endsWith("(recount)"));
      const verdict = budgeted ? (r.median <= BUDGET_MS ? "ok" : "OVER") : "";
      console.log(`${pad(r.name, 42)} ${r.median.toFixed(1).padStart(10)} ${r.max.toFixed(1).padStart(8)}  ${verdict}`);
    }
    console.log(
      `\n${RUNS} timed runs each after one warm-up; list and overview queries must answer within ${BUDGET_MS} ms (median). Load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(" / ")}.`,
    );

    if (EXPLAIN) {
      capture.restore();
      for (const r of results.filter((x) =>
        /first page, no filter|page at row|status=failed$|source=poll|search common|search rare|search no match|id prefix|failed list$|trigger latency 7d|processing latency 7d|processed 7d$|confirmations 7d/.test(
          x.name,
        ),
      )) {
        // Every statement the case sent (the processed chart sends two).
        for (const [i, q] of r.plan.entries()) {
          const out = (await pool.query(`explain (analyze, buffers, costs off, timing off, summary on) ${q.text}`, q.values as never[])) as unknown as {
            rows: { "QUERY PLAN": string }[];
          };
          console.log(`\n── EXPLAIN ${r.name}${r.plan.length > 1 ? ` (statement ${i + 1} of ${r.plan.length})` : ""}`);
          console.log(out.rows.map((row) => row["QUERY PLAN"]).join("\n"));
        }
      }
    }
  } finally {
    capture.restore();
    const c0 = performance.now();
    await run(`delete from "user" where id = '${userId}'`);
    console.log(`\ncleaned up the seeded rows in ${((performance.now() - c0) / 1000).toFixed(1)} s`);
    await run(`vacuum (analyze) uploads`).catch(() => undefined);
    await closeDb();
    await stack.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
