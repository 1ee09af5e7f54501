/**
 * Fault harness: N small real media uploads through the real HTTP API of `next start`, on
 * the real local stack (Postgres, Ceph RGW, local QStash), while scripted clients misbehave
 * and the services are killed and paused. It then checks that every file whose bytes
 * arrived was processed exactly once, and that nothing is left stuck or unexplained.
 *
 *   npx tsx bench/chaos.ts              # 1,000 uploads
 *   npx tsx bench/chaos.ts --quick      # 200 uploads
 *   options: --n N, --no-build (reuse the last build in .next-<slot>), --dup-rate 0.05,
 *            --time-scale 0.25, --sweep-every 15, --converge-timeout 420, --seed 1
 *
 * It runs in a test world of its own (BIBLIO_WORLD=test, slot BIBLIO_TEST_SLOT, default 9:
 * data under .data/test-9, app on :3190), so the developer's data is never touched. At the
 * start it empties that world's uploads table, bucket and QStash data.
 *
 * Clients (exact shares of N, shuffled): 20 % vanish after their last byte (no /complete),
 * 5 % call /complete twice at once, 3 % abandon a multipart upload after its first part;
 * the rest complete normally. Some of each are multipart (16.5 MiB, 4 parts).
 * Faults, in order: kill -9 of the app while a job runs (restarted after a backoff),
 * QStash paused 20 s, QStash kill -9 and restart, Ceph RGW paused 30 s, Postgres paused
 * (postmaster and backends) for longer than the job retry budget; and, all run long,
 * duplicate QStash deliveries (QSTASH_LOCAL_DUPLICATE_RATE).
 *
 * The processing effect counted per upload is a succeeded `jobs` attempt that wrote its
 * results, and the `processed` timeline event written with them: exactly one each.
 * Exit code 0 only if nothing is lost, stuck or processed twice, no multipart session is
 * left open, and every object has its row and every row that should have an object has it.
 */

import type { S3Client } from "@aws-sdk/client-s3";
import type { Pool } from "@neondatabase/serverless";
import type { Behaviour, ChaosUser, UploadPlan, UploadRecord } from "./chaos/clients";
import type { FaultWindow } from "./chaos/faults";
import { type BehaviourCount, planClients } from "./chaos/plan";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const QUICK = process.argv.includes("--quick");
const N = Number(arg("n") ?? (QUICK ? 200 : 1000));
const BUILD = !process.argv.includes("--no-build");
const DUP_RATE = Number(arg("dup-rate") ?? 0.05);
const TIME_SCALE = Number(arg("time-scale") ?? 0.25);
const SWEEP_EVERY_MS = Number(arg("sweep-every") ?? 15) * 1000;
const CONVERGE_TIMEOUT_MS = Number(arg("converge-timeout") ?? 420) * 1000;
const SEED = Number(arg("seed") ?? 1);
/** Uploads start evenly over this window, so every fault meets traffic. */
const CLIENT_PHASE_MS = 170_000;
const MAX_IN_FLIGHT = 40;
const APP_RESTART_BACKOFF_MS = 2_000;
const USERS = 6;

process.env.BIBLIO_WORLD = "test";
process.env.BIBLIO_TEST_SLOT ??= "9";
process.env.NEXT_DIST_DIR ??= `.next-${process.env.BIBLIO_TEST_SLOT}`;

const t0 = Date.now();
const log = (line: string) => console.log(`[chaos ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}`);

/** Exact shares of N per behaviour; a few of each (all abandoning ones) multipart. */
function planUploads(users: ChaosUser[]): UploadPlan[] {
  const shares: [Behaviour, number][] = [
    ["abandon", Math.round(N * 0.03)],
    ["double", Math.round(N * 0.05)],
    ["vanish", Math.round(N * 0.2)],
  ];
  shares.push(["normal", N - shares.reduce((s, [, c]) => s + c, 0)]);
  const counts = shares.map(([behaviour, count]): BehaviourCount => {
    const multipart = behaviour === "abandon" ? count : Math.min(count, Math.max(behaviour === "vanish" ? 3 : 1, Math.round(count * 0.06)));
    return [behaviour, count, multipart];
  });
  return planClients(counts, users, SEED);
}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms).unref())]);

async function main() {
  const { startChaosStack, resetQstashData, sleep, UNTRACKED_SESSION_GRACE_SECONDS } = await import("./chaos/stack");
  const { PORTS, DATA_DIR } = await import("../dev/stack/local-defaults");
  const { Api, runClient } = await import("./chaos/clients");
  const { makeMedia, MULTIPART_SIZE } = await import("./chaos/media");
  const { faultPlan, runFaults, jobRetryBudgetMs } = await import("./chaos/faults");
  const audit = await import("./chaos/audit");
  const { writeFileSync, existsSync, readFileSync, readdirSync } = await import("node:fs");
  const { join } = await import("node:path");

  const appUrl = `http://localhost:${PORTS.app}`;
  const pgPauseMs = Math.max(45_000, Math.ceil(jobRetryBudgetMs(TIME_SCALE) * 1.5));
  const dupSupported = existsSync("dev/qstash") && /QSTASH_LOCAL_DUPLICATE_RATE/.test(grepDir("dev/qstash"));
  const idleSupported = existsSync("dev/qstash/idle.ts");

  console.log(
    [
      `Biblio chaos harness: N=${N}${QUICK ? " (--quick)" : ""}, seed ${SEED}, world ${DATA_DIR}, app ${appUrl}`,
      "Shortened for this run (production values in brackets):",
      `  QSTASH_LOCAL_TIME_SCALE=${TIME_SCALE}: QStash retry waits and delays ×${TIME_SCALE} (job retry budget ${(jobRetryBudgetMs(TIME_SCALE) / 1000).toFixed(1)} s [${(jobRetryBudgetMs(1) / 1000).toFixed(0)} s])`,
      `  sweep: published through QStash every ${SWEEP_EVERY_MS / 1000} s [schedule every 5 min]`,
      `  SWEEP_UNTRACKED_SESSION_GRACE_SECONDS=${UNTRACKED_SESSION_GRACE_SECONDS}: multipart sessions with no row aborted after that [3600]`,
      "  intents whose bytes never all arrived (abandoned, or create answered too late for the client): deadline moved to now after the fault phase [1 day multipart, 2 h single]",
      `  duplicate deliveries: QSTASH_LOCAL_DUPLICATE_RATE=${DUP_RATE}${dupSupported ? "" : " (NOT SUPPORTED by this QStash build: no duplicates injected)"} [0]`,
    ].join("\n"),
  );

  resetQstashData();
  const stack = await startChaosStack({
    log,
    appUrl,
    timeScale: TIME_SCALE,
    qstashEnv: { QSTASH_LOCAL_TIME_SCALE: String(TIME_SCALE), QSTASH_LOCAL_DUPLICATE_RATE: String(DUP_RATE) },
  });
  let exitCode = 1;
  const stopAll = async () => {
    await stack.stop().catch(() => undefined);
  };
  process.on("SIGINT", () => void stopAll().then(() => process.exit(130)));
  process.on("SIGTERM", () => void stopAll().then(() => process.exit(143)));

  try {
    Object.assign(process.env, stack.env);
    const { runMigrations } = await import("../lib/db/migrate");
    await runMigrations(stack.env.POSTGRES_URL);
    await import("../lib/db/node");
    const { createPool } = await import("../lib/db/client");
    const pool: Pool = createPool(stack.env.POSTGRES_URL, stack.env.DATABASE_WS_PROXY);
    const { S3Client: S3 } = await import("@aws-sdk/client-s3");
    const s3: S3Client = new S3({
      endpoint: stack.env.S3_ENDPOINT,
      region: stack.env.S3_REGION,
      forcePathStyle: true,
      credentials: { accessKeyId: stack.env.S3_ACCESS_KEY_ID!, secretAccessKey: stack.env.S3_SECRET_ACCESS_KEY! },
      requestHandler: { requestTimeout: 20_000 } as never,
    });
    const bucket = stack.env.S3_BUCKET!;
    await cleanWorld(pool, s3, bucket);

    const { runSetup } = await import("../lib/setup/run-setup");
    const { parseEnv } = await import("../lib/env");
    await runSetup({ env: parseEnv({ ...process.env, ...stack.env }), corsOrigins: [], steps: ["queues", "notifications", "schedules"] });

    if (BUILD || !existsSync(join(process.env.NEXT_DIST_DIR!, "BUILD_ID"))) {
      const tb = Date.now();
      log(`next build into ${process.env.NEXT_DIST_DIR} …`);
      await buildApp(stack.env);
      log(`built in ${((Date.now() - tb) / 1000).toFixed(0)} s`);
    }
    await stack.startApp();
    log("app is up");

    const api = new Api(appUrl);
    const users: ChaosUser[] = [];
    for (let i = 0; i < USERS; i++) {
      const email = `chaos-${Date.now()}-${i}@biblio.test`;
      const user = await api.signUp(email, "chaos-correct-horse");
      if (i % 2 === 1) {
        // Half the clients on the Pro plan: both plan queues carry traffic.
        await pool.query(`UPDATE "user" SET plan = 'pro' WHERE email = $1`, [email]);
        user.cookie = await api.signIn(email, "chaos-correct-horse");
      }
      users.push(user);
    }
    const plans = planUploads(users);
    log(`${USERS} users signed up; ${plans.length} uploads planned (${plans.filter((p) => p.strategy === "multipart").length} multipart)`);

    // The sweep, on a short interval for the run: published through QStash like the schedule.
    const { Client } = await import("@upstash/qstash");
    const qstash = new Client({ baseUrl: stack.env.QSTASH_URL, token: stack.env.QSTASH_TOKEN!, enableTelemetry: false, retry: false });
    let sweeping = true;
    const sweeper = (async () => {
      while (sweeping) {
        await withTimeout(qstash.publishJSON({ url: `${appUrl}/api/cron/sweep`, body: { trigger: "schedule" }, retries: 0 }), 5_000, "sweep publish").catch(
          () => undefined,
        );
        await sleep(SWEEP_EVERY_MS);
      }
    })();

    // Clients, paced evenly over the fault phase.
    const records: UploadRecord[] = [];
    const clientsStart = Date.now();
    let inFlight = 0;
    const clientRuns: Promise<void>[] = [];
    const clients = (async () => {
      for (const plan of plans) {
        const due = clientsStart + (plan.index * CLIENT_PHASE_MS) / plans.length;
        while (Date.now() < due || inFlight >= MAX_IN_FLIGHT) await sleep(Math.max(5, Math.min(100, due - Date.now())));
        inFlight++;
        const file = makeMedia(plan.kind, `chaos-${plan.index}`, plan.strategy === "multipart" ? MULTIPART_SIZE : 0);
        clientRuns.push(
          runClient(api, plan, file).then((rec) => {
            records.push(rec);
            inFlight--;
            if (records.length % 100 === 0) log(`${records.length}/${plans.length} clients done`);
          }),
        );
      }
      await Promise.all(clientRuns);
    })();

    const jobInFlight = async () => {
      const end = Date.now() + 60_000;
      while (Date.now() < end) {
        const r = await withTimeout(
          pool.query(`SELECT 1 FROM jobs WHERE status = 'started' UNION ALL SELECT 1 FROM uploads WHERE status = 'processing' LIMIT 1`),
          2_000,
          "job probe",
        ).catch(() => null);
        if (r?.rows.length) return true;
        await sleep(25);
      }
      return false;
    };
    const faults: FaultWindow[] = await runFaults(
      faultPlan({ stack, log, timeScale: TIME_SCALE, jobInFlight, restartDelayMs: APP_RESTART_BACKOFF_MS, pgPauseMs }),
      clientsStart,
      log,
    );
    const faultsEnd = Date.now();
    await clients;
    log(`all clients done ${((Date.now() - clientsStart) / 1000).toFixed(0)} s after the first started`);

    // Intents whose bytes never all arrived would wait for their deadline (a day for
    // multipart): move it to now, standing for that wait, so the sweep ends them in this run.
    const known = new Set(records.filter((r) => r.lastByteAt !== null).map((r) => r.id));
    const { rows: pendingRows } = await pool.query(`SELECT id FROM uploads WHERE status = 'pending'`);
    const stale = pendingRows.map((r: { id: string }) => r.id).filter((id: string) => !known.has(id));
    if (stale.length) await pool.query(`UPDATE uploads SET deadline_at = now() WHERE id = ANY($1)`, [stale]);
    log(`${stale.length} intents without all their bytes: deadline moved to now`);

    // Convergence: every row terminal and no multipart session open.
    const convergeStart = Date.now();
    let converged: number | null = null;
    let last = "";
    while (Date.now() - convergeStart < CONVERGE_TIMEOUT_MS) {
      const snapshot = await withTimeout(Promise.all([audit.readRows(pool), audit.listBucket(s3, bucket)]), 30_000, "convergence check").catch((e: Error) => {
        log(e.message);
        return null;
      });
      if (snapshot) {
        const [rows, listing] = snapshot;
        const open = [...rows.values()].filter((r) => !audit.TERMINAL.has(r.status));
        const byStatus = countBy(open.map((r) => r.status));
        const line = `waiting: ${open.length} non-terminal (${byStatus || "none"}), ${listing.openMultipart.length} open multipart sessions`;
        if (line !== last) log(line);
        last = line;
        if (!open.length && !listing.openMultipart.length) {
          converged = Date.now();
          break;
        }
      }
      await sleep(2_000);
    }
    if (idleSupported) await waitQstashIdle(stack.env.QSTASH_URL!, stack.env.QSTASH_TOKEN!, 60_000, log);
    else await sleep(5_000); // a late duplicate delivery, had there been one, has landed by now
    sweeping = false;
    await sweeper;

    const [rows, listing] = await Promise.all([audit.readRows(pool), audit.listBucket(s3, bucket)]);
    const report = buildReport({ records, rows, listing, faults, faultsEnd, converged, audit });
    console.log(report.text);
    writeFileSync(join(DATA_DIR, "chaos-report.json"), JSON.stringify(report.json, null, 2));
    writeFileSync(join(DATA_DIR, "chaos-report.md"), report.markdown);
    log(`report written to ${join(DATA_DIR, "chaos-report.md")} (and .json)`);
    exitCode = report.ok ? 0 : 1;
    await pool.end();
  } catch (error) {
    console.error(`[chaos] ${(error as Error).stack ?? error}`);
    exitCode = 1;
  } finally {
    await stopAll();
  }
  log(`took ${((Date.now() - t0) / 60_000).toFixed(1)} min; exit ${exitCode}`);
  process.exit(exitCode);

  function grepDir(dir: string): string {
    return readdirSync(dir)
      .filter((f) => f.endsWith(".ts"))
      .map((f) => readFileSync(join(dir, f), "utf8"))
      .join("\n");
  }
}

async function cleanWorld(pool: Pool, s3: S3Client, bucket: string) {
  const { DeleteObjectCommand, AbortMultipartUploadCommand } = await import("@aws-sdk/client-s3");
  const { listBucket } = await import("./chaos/audit");
  const { mapLimit } = await import("@/lib/sweep/map-limit");
  await pool.query("DELETE FROM uploads");
  const { objects, openMultipart } = await listBucket(s3, bucket);
  const keys = [...objects.keys()];
  // One DeleteObject per key: the local Ceph aborts radosgw on DeleteObjects (S3_MULTI_DELETE).
  await mapLimit(keys, 8, (Key) => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key })));
  for (const u of openMultipart) await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.key, UploadId: u.uploadId }));
  log(`world cleaned: ${keys.length} objects, ${openMultipart.length} multipart sessions and every upload row from earlier runs removed`);
}

async function buildApp(env: Record<string, string>) {
  const { spawn } = await import("node:child_process");
  const child = spawn("node_modules/.bin/next", ["build"], {
    env: { ...process.env, ...env, NEXT_TELEMETRY_DISABLED: "1" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  if (code !== 0) throw new Error(`next build failed (exit ${code})`);
}

async function waitQstashIdle(url: string, token: string, timeoutMs: number, log: (l: string) => void) {
  // A path import, so this file still loads on a QStash build without the idle signal.
  const idle = "../dev/qstash/idle";
  const { waitForQstashIdle } = (await import(idle)) as typeof import("../dev/qstash/idle");
  try {
    const st = await waitForQstashIdle(url, token, { timeoutMs, stableMs: 1_000 });
    log(`QStash idle: nothing in flight or due (${st.delayed} delayed)`);
  } catch (error) {
    log(`QStash did not become idle: ${(error as Error).message}`);
  }
}

function countBy(values: string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([v, n]) => `${v} ${n}`).join(", ");
}

type Audit = typeof import("./chaos/audit");

function buildReport(input: {
  records: UploadRecord[];
  rows: Map<string, import("./chaos/audit").Row>;
  listing: { objects: Map<string, number>; openMultipart: { key: string; uploadId: string }[] };
  faults: FaultWindow[];
  faultsEnd: number;
  converged: number | null;
  audit: Audit;
}) {
  const { records, rows, listing, faults, faultsEnd, converged, audit } = input;
  const now = Date.now();
  const judged = records.map((rec) => ({
    rec,
    row: rec.id ? rows.get(rec.id) : undefined,
    v: audit.judge(rec, rec.id ? rows.get(rec.id) : undefined, listing.objects),
  }));
  const mismatch = audit.bucketMismatches(rows, listing.objects);
  const knownIds = new Set(records.map((r) => r.id));
  const unknownRows = [...rows.values()].filter((r) => !knownIds.has(r.id));
  const unknownStuck = unknownRows.filter((r) => !audit.TERMINAL.has(r.status)).length;
  const unknownTwice = unknownRows.filter((r) => Math.max(r.succeeded, r.processedEvents) > 1).length;

  type Line = { name: string; uploads: number; expected: number; processed: number; twice: number; stuck: number; lost: number; convergeS: number | null };
  const line = (name: string, set: typeof judged, since: number | null): Line => {
    const settled = set.map((j) => j.v.settledAt ?? now);
    return {
      name,
      uploads: set.length,
      expected: set.filter((j) => audit.expectsProcessing(j.rec)).length,
      processed: set.filter((j) => j.v.processed).length,
      twice: set.filter((j) => j.v.twice).length,
      stuck: set.filter((j) => j.v.stuck).length,
      lost: set.filter((j) => j.v.lost).length,
      convergeS: since === null || !set.length ? null : Math.max(0, (Math.max(...settled) - since) / 1000),
    };
  };
  const overlaps = (j: (typeof judged)[number], f: FaultWindow) => j.rec.startedAt <= f.end && (j.v.settledAt ?? now) >= f.start;
  const faultLines = faults.map((f) =>
    line(
      f.kind,
      judged.filter((j) => overlaps(j, f)),
      f.end,
    ),
  );
  faultLines.push(line(`duplicate deliveries (${(DUP_RATE * 100).toFixed(0)} %, whole run)`, judged, faultsEnd));
  const behaviourNames: Record<string, string> = {
    normal: "client completes",
    vanish: "client vanishes after last byte",
    double: "client calls /complete twice at once",
    abandon: "client abandons multipart midway",
  };
  const behaviourLines: Line[] = [];
  for (const b of ["normal", "vanish", "double", "abandon"] as const) {
    for (const s of ["single", "multipart"] as const) {
      const set = judged.filter((j) => j.rec.plan.behaviour === b && j.rec.plan.strategy === s);
      if (set.length) behaviourLines.push(line(`${behaviourNames[b]} (${s})`, set, null));
    }
  }
  const total = line("all uploads", judged, faultsEnd);

  const vanishedMultipart = judged
    .filter((j) => j.rec.plan.behaviour === "vanish" && j.rec.plan.strategy === "multipart" && j.rec.lastByteAt && j.row?.processedAt)
    .map((j) => (j.row!.processedAt! - j.rec.lastByteAt!) / 1000);
  const vanishedSingle = judged
    .filter((j) => j.rec.plan.behaviour === "vanish" && j.rec.plan.strategy === "single" && j.rec.lastByteAt && j.row?.processedAt)
    .map((j) => (j.row!.processedAt! - j.rec.lastByteAt!) / 1000);
  const noEffect = judged.filter((j) => j.v.noEffect).length;
  const doubleAnswers = judged.filter((j) => j.rec.plan.behaviour === "double" && j.rec.completes.length === 2);
  const doubleDisagree = doubleAnswers.filter((j) => j.rec.completes[0]!.status !== j.rec.completes[1]!.status).length;
  const clientErrors = records.filter((r) => r.error).length;
  const sources = countBy([...rows.values()].flatMap((r) => (r.source ? [r.source] : [])));

  const fmt = (v: number | null) => (v === null ? "–" : v.toFixed(1));
  const header = "| fault / client | uploads | bytes arrived | processed | processed twice | stuck | lost | converged (s after fault ended) |";
  const sep = "|---|---:|---:|---:|---:|---:|---:|---:|";
  const row = (l: Line) => `| ${l.name} | ${l.uploads} | ${l.expected} | ${l.processed} | ${l.twice} | ${l.stuck} | ${l.lost} | ${fmt(l.convergeS)} |`;
  const stats = (xs: number[]) => (xs.length ? `p50 ${fmt(audit.percentile(xs, 50))} s, max ${fmt(Math.max(...xs))} s (n=${xs.length})` : "none processed");
  const ok =
    total.lost === 0 &&
    total.stuck === 0 &&
    total.twice === 0 &&
    unknownStuck === 0 &&
    unknownTwice === 0 &&
    noEffect === 0 &&
    listing.openMultipart.length === 0 &&
    mismatch.objectsWithoutRow.length === 0 &&
    mismatch.rowsWithoutObject.length === 0 &&
    converged !== null;
  const markdown = [
    `N = ${records.length}, \`npx tsx bench/chaos.ts${QUICK ? " --quick" : N !== 1000 ? ` --n ${N}` : ""}\``,
    "",
    header,
    sep,
    ...faultLines.map(row),
    ...behaviourLines.map(row),
    row(total),
    "",
    `- incomplete multipart uploads left (ListMultipartUploads): ${listing.openMultipart.length}`,
    `- objects without a row: ${mismatch.objectsWithoutRow.length}; rows without an object: ${mismatch.rowsWithoutObject.length}`,
    `- processed without a recorded effect: ${noEffect}; intents the clients never heard of: ${unknownRows.length} (${unknownStuck} stuck, ${unknownTwice} processed twice)`,
    `- last byte → processed, vanished multipart clients: ${stats(vanishedMultipart)}; vanished single-PUT clients: ${stats(vanishedSingle)}`,
    `- /complete called twice at once: ${doubleDisagree} of ${doubleAnswers.length} pairs got different status codes`,
    `- confirmed by: ${sources || "none"}; clients that hit an error they gave up on: ${clientErrors}`,
    `- everything converged ${converged === null ? "NOT within the timeout" : `${((converged - faultsEnd) / 1000).toFixed(1)} s after the last fault ended`}`,
    ...faults.map((f) => `- ${f.kind}: ${f.detail}`),
    "",
    ok ? "PASS: nothing lost, stuck or processed twice" : "FAIL",
  ].join("\n");
  const json = {
    n: records.length,
    timeScale: TIME_SCALE,
    sweepEveryMs: SWEEP_EVERY_MS,
    dupRate: DUP_RATE,
    faults,
    faultLines,
    behaviourLines,
    total,
    openMultipart: listing.openMultipart,
    objectsWithoutRow: mismatch.objectsWithoutRow,
    rowsWithoutObject: mismatch.rowsWithoutObject,
    stuck: judged
      .filter((j) => j.v.stuck)
      .map((j) => ({ id: j.rec.id, status: j.row?.status, behaviour: j.rec.plan.behaviour, strategy: j.rec.plan.strategy })),
    lost: judged
      .filter((j) => j.v.lost)
      .map((j) => ({ id: j.rec.id, status: j.row?.status, behaviour: j.rec.plan.behaviour, strategy: j.rec.plan.strategy, error: j.rec.error })),
    twice: judged.filter((j) => j.v.twice).map((j) => ({ id: j.rec.id, succeeded: j.row?.succeeded, processedEvents: j.row?.processedEvents })),
    clientErrors: records.filter((r) => r.error).map((r) => ({ id: r.id, behaviour: r.plan.behaviour, error: r.error })),
    vanishedMultipartSeconds: vanishedMultipart,
    converged: converged === null ? null : (converged - faultsEnd) / 1000,
    ok,
  };
  return { ok, markdown, json, text: `\n${markdown}\n` };
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
