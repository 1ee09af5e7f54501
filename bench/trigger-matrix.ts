/**
 * The trigger trade-off matrix (issue 11): one workload under each trigger configuration,
 * on the real local stack, through the real HTTP API of `next start`, measured at meters
 * in front of Ceph, QStash, Postgres and the app (bench/trigger-matrix/proxies.ts).
 *
 *   npx tsx bench/trigger-matrix.ts            # N = 500 per configuration + a burst of 1,000
 *   npx tsx bench/trigger-matrix.ts --quick    # N = 60 + a burst of 200
 *   options: --n N, --burst N, --build (fresh `next build`), --only client,hybrid, --seed 1
 *
 * Configurations: client only; storage event through the QStash queue; storage event
 * delivered straight to the app with the shared secret (no queue); poll only; sweep only;
 * the hybrid default. Between configurations the bench bucket and its rows are emptied.
 * The sweep runs on its schedule in every configuration (it also expires and aborts), but
 * only recovers uploads where `sweep` is on. Schedules are shortened for the run (printed).
 * Writes .data/test-<slot>/trigger-matrix.{md,json,svg}. Exit 1 if the hybrid loses an
 * upload whose bytes arrived or processes one twice.
 */
import "./world";
import "@/lib/db/node";
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import type { Pool } from "@neondatabase/serverless";
import { Client } from "@upstash/qstash";
import { benchStack } from "./world";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const QUICK = process.argv.includes("--quick");
const N = Number(arg("n") ?? (QUICK ? 60 : 500));
const BURST = Number(arg("burst") ?? (QUICK ? 200 : 1000));
const SEED = Number(arg("seed") ?? 1);
/** Production: sweep every 5 min, poll every minute. Shortened here by the same factor. */
const SWEEP_EVERY_MS = QUICK ? 10_000 : 20_000;
const POLL_EVERY_MS = QUICK ? 3_000 : 4_000;
const CLIENT_CONCURRENCY = 16;
/** Each user is one flow-control key of the plan queue: enough of them that the queue, not a key, bounds the worker. */
const USERS = 16;
process.env.NEXT_DIST_DIR ??= `.next-${process.env.BIBLIO_TEST_SLOT}`;

const CONFIGS = [
  { name: "client only", key: "client", triggers: "client", direct: false, note: "pattern 2" },
  { name: "storage event via QStash", key: "event-queue", triggers: "storage-event", direct: false, note: "patterns 1+3" },
  { name: "storage event direct", key: "event-direct", triggers: "storage-event", direct: true, note: "pattern 1, no queue" },
  { name: "poll only", key: "poll", triggers: "poll", direct: false, note: "pattern 4" },
  { name: "sweep only", key: "sweep", triggers: "sweep", direct: false, note: "pattern 4, full listing" },
  { name: "hybrid (default)", key: "hybrid", triggers: "client,storage-event,sweep", direct: false, note: "the default" },
] as const;

const t0 = Date.now();
const log = (line: string) => console.log(`[matrix ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function main(): Promise<number> {
  const only = arg("only")?.split(",");
  const configs = CONFIGS.filter((c) => !only || only.includes(c.key));
  const stack = await benchStack();
  const { startMatrixWorld, ensureBuild, BUCKET, APP_NAME, DIRECT_PATH } = await import("./trigger-matrix/world-setup");
  const world = await startMatrixWorld(stack.env);
  // This process's own lib calls (the burst's intents) go straight to the services.
  Object.assign(process.env, stack.env, { S3_ENDPOINT: world.s3.url, S3_BUCKET: BUCKET, APP_URL: world.appUrl, RATE_LIMIT_MULTIPLIER: "0" });
  const { createPool } = await import("@/lib/db/client");
  const pool: Pool = createPool(stack.env.POSTGRES_URL, stack.env.DATABASE_WS_PROXY);
  const { configureBucket } = await import("@/lib/setup/configure-bucket");
  const { configureTopicNotification, removeTopicNotification } = await import("@/lib/setup/configure-notifications");
  const { STORAGE_EVENTS_PARALLELISM } = await import("@/lib/setup/run-setup");
  const EVENTS_QUEUE = "biblio-matrix-storage-events";
  const { Api } = await import("./chaos/clients");
  const { planWorkload, runClients, runBurst } = await import("./trigger-matrix/workload");
  const { collectPhase } = await import("./trigger-matrix/collect");
  const report = await import("./trigger-matrix/report");
  const { createUpload, CREATE_UPLOAD_INPUT } = await import("@/lib/uploads/create-upload");
  const { now } = await import("./trigger-matrix/proxies");
  const { DATA_DIR } = await import("../dev/stack/local-defaults");
  const qstash = new Client({ baseUrl: stack.env.QSTASH_URL, token: stack.env.QSTASH_TOKEN!, enableTelemetry: false, retry: false });
  const target = {
    endpoint: stack.env.S3_ENDPOINT!,
    region: stack.env.S3_REGION!,
    accessKey: stack.env.S3_ACCESS_KEY_ID!,
    secretKey: stack.env.S3_SECRET_ACCESS_KEY!,
    forcePathStyle: true,
  };
  const results: import("./trigger-matrix/report").ConfigResult[] = [];
  let exitCode = 0;
  const writeOutputs = (print: boolean) => {
    mkdirSync(DATA_DIR, { recursive: true });
    const command = `npx tsx bench/trigger-matrix.ts${QUICK ? " --quick" : ""}${arg("n") ? ` --n ${N}` : ""}${arg("burst") ? ` --burst ${BURST}` : ""}`;
    const md = report.renderMarkdown(results, {
      command,
      n: N,
      burst: BURST,
      intervals: `sweep every ${SWEEP_EVERY_MS / 1000} s, poll every ${POLL_EVERY_MS / 1000} s (production: 5 min, 1 min)`,
      date: new Date().toISOString().slice(0, 16).replace("T", " "),
      load: loadavg()
        .map((l) => l.toFixed(1))
        .join(" / "),
    });
    if (print) console.log(`\n${md}`);
    writeFileSync(join(DATA_DIR, "trigger-matrix.md"), md);
    writeFileSync(
      join(DATA_DIR, "trigger-matrix.json"),
      JSON.stringify({ command, n: N, burst: BURST, sweepEveryMs: SWEEP_EVERY_MS, pollEveryMs: POLL_EVERY_MS, results }, null, 2),
    );
    writeFileSync(join(DATA_DIR, "trigger-matrix.svg"), report.renderSvg(results));
  };
  try {
    await ensureBuild(process.argv.includes("--build"), stack.env, log);
    await configureBucket({ ...target, bucket: BUCKET, corsOrigins: [world.appUrl] });
    await removeTopicNotification({ ...target, bucket: BUCKET });
    await world.emptyBucket();
    await pool.query("DELETE FROM uploads WHERE bucket = $1", [BUCKET]);
    // A queue of its own: messages other runs left in the app's queue must not hold its slots.
    await qstash.queue({ queueName: EVENTS_QUEUE }).upsert({ parallelism: STORAGE_EVENTS_PARALLELISM });
    const topics = {
      queued: {
        topicName: "biblio-matrix-queued",
        pushEndpoint: `${world.qstash.url}/v2/enqueue/${EVENTS_QUEUE}/${world.appUrl}/api/storage-events?qstash_token=${encodeURIComponent(stack.env.QSTASH_TOKEN!)}`,
      },
      direct: { topicName: "biblio-matrix-direct", pushEndpoint: `${world.appUrl}${DIRECT_PATH}` },
    };
    log(
      `N = ${N} per configuration, burst ${BURST}; sweep every ${SWEEP_EVERY_MS / 1000} s [5 min], poll every ${POLL_EVERY_MS / 1000} s [1 min]; meters: ${world.front.url} (app), ${world.s3.url} (S3), ${world.qstash.url} (QStash), pg :${world.pg.port}`,
    );

    let users: import("./trigger-matrix/workload").MatrixUser[] = [];
    for (const config of configs) {
      const cStart = Date.now();
      log(`── ${config.name}: BIBLIO_TRIGGERS=${config.triggers}`);
      await removeTopicNotification({ ...target, bucket: BUCKET });
      const events = config.triggers.includes("storage-event");
      if (events) {
        const topic = config.direct ? topics.direct : topics.queued;
        await configureTopicNotification({ ...target, bucket: BUCKET, ...topic, persistent: true });
      }
      await world.startApp(config.triggers);
      const api = new Api(world.appUrl);
      if (!users.length) users = await signUpUsers(api, pool);
      if (events) await warmUpNotifications(world, BUCKET, log);

      const sweeping = { on: true };
      const drivers = [
        drive(qstash, `${world.appUrl}/api/cron/sweep`, SWEEP_EVERY_MS, sweeping),
        ...(config.triggers.includes("poll") ? [drive(qstash, `${world.appUrl}/api/cron/poll`, POLL_EVERY_MS, sweeping)] : []),
      ];
      // How long a missing upload is waited for: until each enabled recovery path had its
      // chance (one and a half sweep intervals, two polls, an event), and in the main phase
      // until the delayed check of a vanished multipart upload (16.5 MiB at 1 MiB/s + 15 s).
      // Events alone: RGW retries a push the app refused after tens of seconds.
      const recoveryMs = config.triggers.includes("sweep") ? 1.5 * SWEEP_EVERY_MS : config.triggers.includes("poll") ? 2 * POLL_EVERY_MS : 30_000;
      const mainSettleMs = Math.max(recoveryMs, 35_000);

      // ── main phase ──
      const mainFrom = now();
      const rt0 = world.pg.roundTrips();
      const plans = planWorkload(N, users, SEED);
      const records = await runClients(api, plans, CLIENT_CONCURRENCY, `m${Date.now()}`);
      log(`${records.length} clients done in ${((now() - mainFrom) / 1000).toFixed(0)} s (${records.filter((r) => r.error).length} with errors)`);
      const arrived = records.filter((r) => r.lastByteAt !== null).map((r) => r.id!);
      await settle(pool, arrived, mainSettleMs, log);
      const mainTo = now();
      const rt1 = world.pg.roundTrips();
      const abandoned = records.filter((r) => r.plan.behaviour === "abandon" && r.id).map((r) => r.id!);
      const abandonedLeft = await sweepOnceForAbandoned(pool, qstash, world, abandoned, BUCKET);
      const main = await collectPhase({
        pool,
        world,
        from: mainFrom,
        to: mainTo,
        triggers: config.triggers,
        uploads: records.map((r) => ({ id: r.id, behaviour: r.plan.behaviour, lastByteAt: r.lastByteAt })),
        dbRoundTrips: rt1 - rt0,
      });
      main.abandoned = abandoned.length;
      main.abandonedLeftAfterSweep = abandonedLeft;

      // ── burst phase ──
      let burstFrom = 0;
      let peak = 0;
      let peakOpen = 0;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const r = await pool.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1", [APP_NAME]).catch(() => null);
          if (r && burstFrom) peak = Math.max(peak, r.rows[0].n as number);
          if (burstFrom) peakOpen = Math.max(peakOpen, world.pg.open());
          await sleep(100);
        }
      })();
      const rtB0 = { v: 0 };
      const burst = await runBurst({
        api,
        users,
        count: BURST,
        tag: `b${Date.now()}`,
        create: async (userId, body) => (await createUpload(userId, CREATE_UPLOAD_INPUT.parse(body))) as never,
        onPutsStart: () => {
          burstFrom = now();
          rtB0.v = world.pg.roundTrips();
        },
      });
      log(`burst: ${BURST} objects landed within ${(burst.landingMs / 1000).toFixed(1)} s (${burst.records.filter((r) => r.error).length} errors)`);
      await settle(
        pool,
        burst.records.filter((r) => r.lastByteAt).map((r) => r.id),
        recoveryMs,
        log,
      );
      const burstTo = now();
      sampling = false;
      await sampler;
      const burstRes = await collectPhase({
        pool,
        world,
        from: burstFrom,
        to: burstTo,
        triggers: config.triggers,
        uploads: burst.records.map((r) => ({ id: r.id, behaviour: r.behaviour, lastByteAt: r.lastByteAt })),
        dbRoundTrips: world.pg.roundTrips() - rtB0.v,
      });
      const pgB = report.pgStats(world.pg.samples, burstFrom, burstTo);
      Object.assign(burstRes, {
        landingMs: burst.landingMs,
        peakDbConnections: peak,
        peakProxyConnections: peakOpen,
        pgP99Ms: pgB.p99,
        pgP50Ms: pgB.p50,
        pgQueries: pgB.n,
      });

      sweeping.on = false;
      await Promise.all(drivers);
      await world.stopApp();
      results.push({ name: config.name, triggers: config.triggers, note: config.note, main, burst: burstRes, wallS: (Date.now() - cStart) / 1000 });
      log(
        `${config.name}: processed ${main.processed}/${main.bytesArrived}, burst ${burstRes.processed}/${burstRes.bytesArrived}, twice ${main.twice + burstRes.twice}, p50 ${report.percentile(main.latencyMs, 50)?.toFixed(0)} ms`,
      );
      // After every configuration, so a run stopped midway still leaves its measured rows.
      writeOutputs(false);
      await removeTopicNotification({ ...target, bucket: BUCKET });
      await world.emptyBucket();
      await pool.query("DELETE FROM uploads WHERE bucket = $1", [BUCKET]);
      await pool.query("DELETE FROM trigger_cursors WHERE name LIKE $1", [`%${BUCKET}%`]);
      world.front.hits.length = 0;
      world.s3.hits.length = 0;
      world.qstash.hits.length = 0;
      world.pg.samples.length = 0;
    }

    const hybrid = results.find((r) => r.triggers === "client,storage-event,sweep");
    if (hybrid) {
      const lost = hybrid.main.bytesArrived - hybrid.main.processed + (hybrid.burst.bytesArrived - hybrid.burst.processed);
      const twice = hybrid.main.twice + hybrid.burst.twice;
      if (lost || twice) {
        log(`FAIL: the hybrid lost ${lost} and processed ${twice} twice`);
        exitCode = 1;
      }
    }
    if (results.some((r) => r.main.twice + r.burst.twice > 0)) {
      log("FAIL: an upload was processed twice");
      exitCode = 1;
    }
    writeOutputs(true);
    log(`written ${join(DATA_DIR, "trigger-matrix.{md,json,svg}")}; took ${((Date.now() - t0) / 60_000).toFixed(1)} min; exit ${exitCode}`);
  } finally {
    await world.stop().catch(() => undefined);
    await pool.end().catch(() => undefined);
    await stack.stop();
  }
  return exitCode;
}

/** Stands in for a QStash schedule: publishes to the cron route every `everyMs` until stopped. */
async function drive(qstash: Client, url: string, everyMs: number, state: { on: boolean }): Promise<void> {
  while (state.on) {
    await qstash.publishJSON({ url, body: {}, retries: 0 }).catch(() => undefined);
    const until = Date.now() + everyMs;
    while (state.on && Date.now() < until) await sleep(250);
  }
}

/** Waits until every upload whose bytes arrived is processed, or nothing moved for a while after `minMs`. */
async function settle(pool: Pool, ids: string[], minMs: number, log: (l: string) => void): Promise<void> {
  const start = Date.now();
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const r = await pool.query("SELECT count(*) FILTER (WHERE status = 'processed')::int AS done FROM uploads WHERE id = ANY($1)", [ids]);
    const done = r.rows[0].done as number;
    if (done !== last) {
      last = done;
      lastChange = Date.now();
    }
    if (done >= ids.length) return;
    const waited = Date.now() - start;
    if ((waited > minMs && Date.now() - lastChange > 12_000) || waited > minMs + 90_000) {
      log(`settled with ${done}/${ids.length} processed after ${(waited / 1000).toFixed(0)} s`);
      return;
    }
    await sleep(1_000);
  }
}

/** The abandoned intents' deadline moved to now (standing for the day's wait), then one sweep. */
async function sweepOnceForAbandoned(
  pool: Pool,
  qstash: Client,
  world: import("./trigger-matrix/world-setup").MatrixWorld,
  ids: string[],
  bucket: string,
): Promise<number | null> {
  if (!ids.length) return 0;
  // Also past the multipart recheck interval, which a pass would otherwise wait out first.
  await pool.query("UPDATE uploads SET deadline_at = now() - interval '1 second', parts_checked_at = NULL WHERE id = ANY($1) AND status = 'pending'", [ids]);
  const before = (await pool.query("SELECT coalesce(max(id), 0)::bigint AS id FROM sweep_runs")).rows[0].id as string;
  const end = Date.now() + 120_000;
  let published = 0;
  while (Date.now() < end) {
    // Another sweep may hold the lease: publish again until one that started after the update has ended.
    if (Date.now() - published > 15_000) {
      await qstash.publishJSON({ url: `${world.appUrl}/api/cron/sweep`, body: {}, retries: 0 }).catch(() => undefined);
      published = Date.now();
    }
    const r = await pool.query("SELECT 1 FROM sweep_runs WHERE id > $1 AND ended_at IS NOT NULL LIMIT 1", [before]);
    if (r.rows.length) break;
    await sleep(500);
  }
  const keys = new Set((await pool.query("SELECT storage_key FROM uploads WHERE id = ANY($1)", [ids])).rows.map((r) => r.storage_key as string));
  let left = 0;
  let keyMarker: string | undefined;
  let idMarker: string | undefined;
  for (;;) {
    const page = await world.s3Direct.send(new ListMultipartUploadsCommand({ Bucket: bucket, KeyMarker: keyMarker, UploadIdMarker: idMarker }));
    left += (page.Uploads ?? []).filter((u) => keys.has(u.Key!)).length;
    if (!page.IsTruncated) break;
    keyMarker = page.NextKeyMarker;
    idMarker = page.NextUploadIdMarker;
  }
  return left;
}

async function warmUpNotifications(world: import("./trigger-matrix/world-setup").MatrixWorld, bucket: string, log: (l: string) => void) {
  // A persistent topic's queue is picked up by RGW up to ~30 s after it is attached: wait
  // for one event to come through before the clock starts.
  const { PutObjectCommand } = await import("@aws-sdk/client-s3");
  const key = `warmup/${Date.now()}`;
  const t = Date.now();
  await world.s3Direct.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "warm-up" }));
  while (Date.now() - t < 45_000) {
    if (world.front.hits.some((h) => h.path === "/api/storage-events" && h.reqBody?.includes(key))) {
      log(`notifications live (first event after ${((Date.now() - t) / 1000).toFixed(1)} s)`);
      return;
    }
    await sleep(200);
  }
  log("notifications: no warm-up event within 45 s");
}

async function signUpUsers(api: import("./chaos/clients").Api, pool: Pool) {
  const users: import("./trigger-matrix/workload").MatrixUser[] = [];
  const stamp = Date.now();
  await Promise.all(
    Array.from({ length: USERS }, async (_, i) => {
      const email = `matrix-${stamp}-${i}@example.test`;
      const u = await api.signUp(email, "matrix-correct-horse");
      // Pro: its open-upload cap (500) and queue parallelism (8) leave room for the burst.
      const r = await pool.query(`UPDATE "user" SET plan = 'pro' WHERE email = $1 RETURNING id`, [email]);
      users.push({ ...u, cookie: await api.signIn(email, "matrix-correct-horse"), id: r.rows[0].id as string });
    }),
  );
  return users;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
