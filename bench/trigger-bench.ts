// Trigger benchmark (loopback only). `npx tsx bench/trigger-bench.ts [--quick]`
// 1. Latency, last byte (PUT answered) → job delivered to the worker endpoint, through
//    Ceph notifications → local QStash → /api/storage-events, beside the /complete path.
//    The worker endpoint is the harness's stand-in (it accepts the job): this measures
//    "reached the worker", not the worker's own processing.
// 2. The sweep over N stale intents and M objects, with S3 and DB call counts.
// First: fixes the test world (never the developer's) before dev/stack reads it.
import "./world";
import "@/lib/db/node";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { sql } from "drizzle-orm";
import { readRunningStack } from "../dev/stack/stack";

const quick = process.argv.includes("--quick");
const LATENCY_N = quick ? 15 : 60;
const INTENTS = quick ? 10_000 : 100_000;
const OBJECTS = quick ? 1_000 : 10_000;
const RECOVERABLE = quick ? 20 : 100;

const running = readRunningStack();
if (!running)
  throw new Error(
    `no running test-world stack in slot ${process.env.BIBLIO_TEST_SLOT}: start BIBLIO_WORLD=test BIBLIO_TEST_SLOT=${process.env.BIBLIO_TEST_SLOT} ./dev/up --no-app`,
  );
// The slot's services, never whatever POSTGRES_URL the shell carries (it may be the developer's).
Object.assign(process.env, running.env);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

async function main() {
  const { startHarness, emptyBucket, waitFor } = await import("../tests/helpers/trigger-harness");
  const h = await startHarness({ bucket: "biblio-bench-triggers", topicName: "biblio-bench-triggers" });
  const { createTestUser } = await import("../tests/helpers/auth");
  const { callRoute } = await import("../tests/helpers/requests");
  const uploadsRoute = await import("@/app/api/uploads/route");
  const completeRoute = await import("@/app/api/uploads/[id]/complete/route");
  const { overrideTriggers } = await import("@/tests/helpers/trigger-override");
  const { getDb, closeDb } = await import("@/lib/db/client");
  const { getS3, getBucket } = await import("@/lib/storage/s3-client");
  const { runSweep } = await import("@/lib/sweep/run-sweep");
  const { getQstash } = await import("@/lib/queue/qstash-client");
  const { STORAGE_EVENTS_QUEUE } = await import("@/lib/setup/run-setup");
  const user = await createTestUser({ plan: "pro" });
  const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new Array(100).fill(1)]);
  const rows: string[][] = [];
  try {
    await getQstash().queue({ queueName: STORAGE_EVENTS_QUEUE }).upsert({ parallelism: 4 });
    await h.enableNotifications();
    // ── 1. latency ─────────────────────────────────────────────────────────────
    const latency: Record<string, number[]> = { "storage-event": [], client: [] };
    for (let i = 0; i < LATENCY_N * 2; i++) {
      const path = i % 2 === 0 ? "storage-event" : "client";
      overrideTriggers([path]);
      const created = await callRoute(uploadsRoute.POST, {
        method: "POST",
        cookie: user.cookie,
        body: { projectId: user.projectId, name: "l.png", type: "image/png", size: PNG.length },
      });
      const id = created.body.upload.id as string;
      const res = await fetch(created.body.put.url, { method: "PUT", headers: created.body.put.headers, body: PNG });
      const lastByte = performance.now();
      if (!res.ok) throw new Error(`PUT ${res.status}`);
      if (path === "client") await callRoute(completeRoute.POST, { method: "POST", cookie: user.cookie, params: { id }, body: {} });
      const job = await waitFor("job", async () => h.deliveries.find((d) => d.path === "/api/jobs/process" && d.body.includes(id)), 15_000);
      latency[path]!.push(job.at - lastByte);
    }
    for (const [path, xs] of Object.entries(latency)) {
      rows.push([
        `last byte → worker, ${path}`,
        `n=${xs.length}`,
        `p50 ${pct(xs, 50).toFixed(1)} ms`,
        `p95 ${pct(xs, 95).toFixed(1)} ms`,
        `max ${Math.max(...xs).toFixed(1)} ms`,
      ]);
    }
    await h.stop();
    overrideTriggers(["client", "storage-event", "sweep"]);

    // ── 2. sweep at scale (its own bucket; notifications off) ───────────────────
    process.env.S3_BUCKET = "biblio-bench-sweep";
    const { configureBucket } = await import("@/lib/setup/configure-bucket");
    const { getEnv } = await import("@/lib/env");
    const env = getEnv();
    const bucket = "biblio-bench-sweep";
    await configureBucket({
      endpoint: env.S3_ENDPOINT,
      region: env.S3_REGION,
      accessKey: env.S3_ACCESS_KEY_ID,
      secretKey: env.S3_SECRET_ACCESS_KEY,
      forcePathStyle: true,
      bucket,
      corsOrigins: [env.APP_URL],
    });
    // getBucket() reads the cached env: point the cached value at the bench bucket.
    (env as { S3_BUCKET: string }).S3_BUCKET = bucket;
    if (getBucket() !== bucket) throw new Error("bucket override failed");
    await emptyBucket();
    const db = getDb();
    await db.execute(sql`delete from uploads where bucket = ${bucket}`);
    const tSeed = performance.now();
    // Stale single-PUT intents: v7-shaped ids, deadlines in the past, no objects.
    await db.execute(sql`
      insert into uploads (id, owner_id, project_id, plan, bucket, storage_key, name, safe_name, declared_type, declared_size, deadline_at, status)
      select 'upl_' || u, ${user.id}, ${user.projectId}, 'pro', ${bucket}, 'uploads/upl_' || u || '/f.png', 'f.png', 'f.png', 'image/png', ${PNG.length},
        now() - interval '1 hour', 'pending'
      from (select lpad(to_hex(extract(epoch from now())::bigint * 1000 - 10000000 + g), 12, '0') as t, g from generate_series(1, ${INTENTS}) g) s,
        lateral (select substr(s.t, 1, 8) || '-' || substr(s.t, 9, 4) || '-7000-8000-' || lpad(to_hex(s.g), 12, '0') as u) x`);
    // Some intents whose bytes did arrive (recovered), the rest of the objects orphans.
    const recoverable = (await db.execute(sql`select storage_key from uploads where bucket = ${bucket} order by id limit ${RECOVERABLE}`)).rows.map(
      (r) => (r as { storage_key: string }).storage_key,
    );
    const orphanKeys = Array.from({ length: OBJECTS - RECOVERABLE }, (_, i) => `uploads/orphan-${String(i).padStart(6, "0")}/x.bin`);
    const keys = [...recoverable.map((k) => ({ k, body: PNG })), ...orphanKeys.map((k) => ({ k, body: new Uint8Array([1]) }))];
    const { mapLimit } = await import("@/lib/sweep/map-limit");
    await mapLimit(keys, 32, ({ k, body }) => getS3().send(new PutObjectCommand({ Bucket: bucket, Key: k, Body: body })));
    const seedMs = performance.now() - tSeed;

    const s3Calls: Record<string, number> = {};
    getS3().middlewareStack.add(
      (next, context) => (args) => {
        s3Calls[context.commandName ?? "?"] = (s3Calls[context.commandName ?? "?"] ?? 0) + 1;
        return next(args);
      },
      { step: "initialize", name: "benchCount" },
    );
    const pool = db.$client as unknown as { query: (...a: unknown[]) => unknown };
    const original = pool.query.bind(pool);
    let dbCalls = 0;
    pool.query = (...a: unknown[]) => {
      dbCalls++;
      return original(...a);
    };
    let peakRss = process.memoryUsage().rss;
    const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
    const rssBefore = process.memoryUsage().rss;
    const t0 = performance.now();
    const result = await runSweep({ trigger: "manual", maxDurationMs: 120_000 });
    const sweepMs = performance.now() - t0;
    clearInterval(rssTimer);
    pool.query = original;
    if (result.status === "locked") throw new Error("sweep locked");
    const listCalls = s3Calls.ListObjectsV2Command ?? 0;
    rows.push([
      `sweep ${INTENTS} stale intents + ${OBJECTS} objects`,
      `${(sweepMs / 1000).toFixed(1)} s`,
      result.status,
      `seed ${(seedMs / 1000).toFixed(1)} s`,
      "",
    ]);
    rows.push(["  counts", JSON.stringify(result.counts), "", "", ""]);
    rows.push(["  S3 calls", JSON.stringify(s3Calls), `list calls per 1,000 keys: ${((listCalls / OBJECTS) * 1000).toFixed(2)}`, "", ""]);
    rows.push([
      "  DB round trips",
      String(dbCalls),
      `${(dbCalls / (INTENTS / 1000 + OBJECTS / 1000)).toFixed(1)} per 1,000-row batch`,
      `(${result.counts.recovered} recoveries ≈ 4–5 each)`,
      "",
    ]);
    rows.push(["  memory", `rss before ${(rssBefore / 2 ** 20).toFixed(0)} MiB`, `peak ${(peakRss / 2 ** 20).toFixed(0)} MiB`, "", ""]);

    await emptyBucket();
    await db.execute(sql`delete from uploads where bucket = ${bucket}`);
    await db.execute(sql`delete from storage_orphans where key = any(${sql.param(orphanKeys)}::text[])`);
    await db.execute(sql`delete from sweep_runs where id = ${result.runId}`);
  } finally {
    overrideTriggers(undefined);
    await h.stop().catch(() => undefined);
    const w = [44, 36, 30, 26, 12];
    console.log(`\n${rows.map((r) => r.map((c, i) => c.padEnd(w[i] ?? 10)).join(" ")).join("\n")}`);
    await closeDb();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
