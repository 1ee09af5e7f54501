/**
 * Control-plane latency, against the app's own no-I/O route and against Uppy Companion,
 * in one run, at 1 and at 20 concurrent clients (closed loop).
 *
 *   npx tsx bench/control-plane-bench.ts --build        # build .next-<slot>, then measure
 *   npx tsx bench/control-plane-bench.ts --quick        # fewer requests
 *   npx tsx bench/control-plane-bench.ts --profile      # next start --cpu-prof, profiles under .data/bench/profiles
 *   npx tsx bench/control-plane-bench.ts --beside-checksum-gib 2   # also: latency while the worker checksums 2 GiB
 *   npx tsx bench/control-plane-bench.ts --instances 2 # two next start processes behind the stack's load balancer
 *   npx tsx bench/control-plane-bench.ts --instances 1,2 --clients 20 --no-companion
 *       # one run: 1, then 2 instances, both behind the balancer, and their throughput side by side
 *   npx tsx bench/control-plane-bench.ts --url http://localhost:3190 # an app of this world already running
 *
 * Runs in the test world (bench/world.ts: slot BIBLIO_TEST_SLOT, 9 by default), starting the
 * slot's stack if it is not running and `next start` of the slot's build. Routes:
 *   - GET /api/health: an Edge route handler with no I/O, the baseline for what one request
 *     costs in this app (Next's routing, the Edge sandbox, a JSON response);
 *   - POST /api/uploads: a 1 GiB multipart intent (session, rate limit, project and caps
 *     read, S3 CreateMultipartUpload, the intent row and its event, 6 first part URLs);
 *   - POST /api/uploads/:id/parts: 100 part URLs (session, rate limit, ownership read, signing);
 *   - Companion: POST /s3/multipart and GET /s3/multipart/:id/batch with 100 parts, same bucket.
 * Each client count uses fresh throwaway pro users (rate limits are per user), and every
 * intent and Companion multipart made here is aborted at the end; the users are deleted.
 */

import { join, resolve } from "node:path";
import { type BenchApp, startBenchApp } from "./control-plane/app";
import { type Companion, startCompanion } from "./control-plane/companion";
import { CookieJar, formatRow, measure, type Stats } from "./control-plane/measure";
import { BENCH_SLOT, benchStack } from "./world";

const GiB = 1024 ** 3;
const ROOT = resolve(import.meta.dirname, "..");
const arg = (flag: string) => {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const QUICK = process.argv.includes("--quick");
const REQUESTS = Number(arg("--requests") ?? (QUICK ? 200 : 400));
const SINGLE_REQUESTS = Math.max(50, Math.round(REQUESTS / 4));
const WARMUP = QUICK ? 20 : 40;
const CLIENTS = (arg("--clients") ?? "1,20").split(",").filter(Boolean).map(Number);
const USERS_PER_RUN = 24;
const WITH_COMPANION = !process.argv.includes("--no-companion");
const BESIDE_GIB = Number(arg("--beside-checksum-gib") ?? 0);
const INSTANCES = (arg("--instances") ?? "1").split(",").filter(Boolean).map(Number);
/**
 * Behind the balancer every client is 127.0.0.1 (X-Real-IP), and the per-IP create limit
 * (300 a minute) would answer 429s within the run. Comparing instance counts, allowances
 * are multiplied instead: the same rate-limit statement runs per request, nothing is refused.
 */
const SWEEP_RATE_LIMIT_MULTIPLIER = "100";
const PARTS = Array.from({ length: 100 }, (_, i) => i + 1);

setTimeout(() => {
  console.error("benchmark exceeded 20 minutes, aborting");
  process.exit(2);
}, 20 * 60_000).unref();

type BenchUser = { id: string; jar: CookieJar; projectId: string };

async function main() {
  const stack = await benchStack();
  Object.assign(process.env, stack.env);
  const { createTestUser } = await import("../tests/helpers/auth");
  const { getDb, closeDb } = await import("@/lib/db/node");
  const { sql } = await import("drizzle-orm");

  let app: BenchApp | undefined;
  let companion: Companion | undefined;
  const users: BenchUser[] = [];
  const intents: { id: string; user: BenchUser }[] = [];
  const companionUploads: { uploadId: string; key: string }[] = [];
  try {
    const url = arg("--url");
    const sweep = INSTANCES.length > 1;
    if (sweep && url) throw new Error("--instances with several counts starts its own apps: drop --url");
    const startApp = (count: number, build: boolean): Promise<BenchApp> =>
      url
        ? Promise.resolve({ url: url.replace(/\/$/, ""), stop: async () => {} })
        : startBenchApp({
            env: sweep ? { ...stack.env, RATE_LIMIT_MULTIPLIER: SWEEP_RATE_LIMIT_MULTIPLIER } : stack.env,
            slot: BENCH_SLOT,
            build,
            profileDir: process.argv.includes("--profile") ? join(ROOT, ".data/bench/profiles") : undefined,
            instances: count,
            balanced: sweep,
          });
    app = await startApp(INSTANCES[0]!, process.argv.includes("--build"));
    const base = app.url;
    if (WITH_COMPANION) companion = await startCompanion(stack.env);

    const call = async (user: BenchUser, path: string, init: RequestInit = {}) => {
      const res = await fetch(`${base}${path}`, {
        ...init,
        headers: { cookie: user.jar.header(), "content-type": "application/json", accept: "application/json", origin: base },
      });
      user.jar.update(res);
      return res;
    };
    const newUsers = async (n: number) => {
      const made: BenchUser[] = [];
      for (let i = 0; i < n; i++) {
        const u = await createTestUser({ plan: "pro" });
        made.push({ id: u.id, jar: new CookieJar(u.cookie), projectId: u.projectId });
      }
      users.push(...made);
      return made;
    };
    const createOnce = (pool: BenchUser[]) => async (i: number) => {
      const user = pool[i % pool.length]!;
      const res = await call(user, "/api/uploads", {
        method: "POST",
        body: JSON.stringify({
          name: `bench-${i}.mp4`,
          type: "video/mp4",
          size: GiB,
          projectId: user.projectId,
          options: { checksum: false, sniff: true, probe: false, thumbnail: false, storyboard: false },
        }),
      });
      const body = (await res.json()) as { upload?: { id: string } };
      if (body.upload) intents.push({ id: body.upload.id, user });
      return res.status === 201;
    };
    const signOnce = (targets: { id: string; user: BenchUser }[]) => async (i: number) => {
      const t = targets[i % targets.length]!;
      const res = await call(t.user, `/api/uploads/${t.id}/parts`, { method: "POST", body: JSON.stringify({ partNumbers: PARTS }) });
      await res.arrayBuffer();
      return res.ok;
    };
    const health = async () => {
      const res = await fetch(`${base}/api/health`);
      await res.arrayBuffer();
      return res.ok;
    };
    const companionCreate = async (i: number) => {
      const res = await fetch(`${companion!.url}/s3/multipart`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json", origin: base },
        body: JSON.stringify({ filename: `bench-${i}.mp4`, type: "video/mp4", metadata: {} }),
      });
      const body = (await res.json()) as { uploadId?: string; key?: string };
      if (body.uploadId && body.key) companionUploads.push({ uploadId: body.uploadId, key: body.key });
      return res.ok;
    };
    const companionSign = (targets: { uploadId: string; key: string }[]) => async (i: number) => {
      const t = targets[i % targets.length]!;
      const res = await fetch(
        `${companion!.url}/s3/multipart/${encodeURIComponent(t.uploadId)}/batch?key=${encodeURIComponent(t.key)}&partNumbers=${PARTS.join(",")}`,
        {
          headers: { accept: "application/json", origin: base },
        },
      );
      await res.arrayBuffer();
      return res.ok;
    };

    async function dbSessions() {
      const r = await getDb().execute<{ n: string }>(sql`select sessions as n from pg_stat_database where datname = current_database()`);
      return Number(r.rows[0]?.n ?? 0);
    }
    let sessionsBefore = await dbSessions();
    const byInstances: Record<number, Record<number, Record<string, Stats>>> = {};
    for (const [round, instanceCount] of INSTANCES.entries()) {
      if (round > 0) {
        await app.stop();
        app = await startApp(instanceCount, false);
      }
      console.log(
        `\napp ${base} (slot ${BENCH_SLOT}, ${instanceCount} instance(s)${sweep ? " behind the balancer" : ""}), node ${process.version}, ${companion && round === 0 ? `Companion at ${companion.url}` : "no Companion"}`,
      );
      byInstances[instanceCount] = await runClients(round === 0 ? companion : undefined);
    }
    const summary = byInstances[INSTANCES[0]!]!;
    if (sweep) scaling(byInstances);

    async function runClients(companion: Companion | undefined) {
      const summary: Record<number, Record<string, Stats>> = {};
      for (const clients of CLIENTS) {
        const n = clients === 1 ? SINGLE_REQUESTS : REQUESTS;
        const warm = clients === 1 ? 10 : WARMUP;
        const pool = await newUsers(USERS_PER_RUN);
        const s: Record<string, Stats> = {};
        console.log(`\n${clients} client${clients === 1 ? "" : "s"}, ${n} requests per route after ${warm} warm-up`);
        await measure(warm, clients, health);
        s.health = await measure(n, clients, health);
        console.log(formatRow("GET /api/health (no I/O)", s.health));

        const before = intents.length;
        await measure(warm, clients, createOnce(pool));
        s.create = await measure(n, clients, createOnce(pool));
        console.log(formatRow("POST /api/uploads", s.create, [`×${(s.create.p50 / s.health.p50).toFixed(1)} health p50`]));
        if (companion) {
          await measure(warm, clients, companionCreate);
          s.companionCreate = await measure(n, clients, companionCreate);
          console.log(formatRow("Companion POST /s3/multipart", s.companionCreate));
        }

        const targets = intents.slice(before, before + 50);
        await measure(warm, clients, signOnce(targets));
        s.sign = await measure(n, clients, signOnce(targets));
        console.log(formatRow("POST …/parts (100 URLs)", s.sign, [`×${(s.sign.p50 / s.health.p50).toFixed(1)} health p50`]));
        if (companion) {
          const cTargets = companionUploads.slice(-50);
          await measure(warm, clients, companionSign(cTargets));
          s.companionSign = await measure(n, clients, companionSign(cTargets));
          console.log(formatRow("Companion …/batch (100 URLs)", s.companionSign));
        }
        summary[clients] = s;
        const sessions = await dbSessions();
        console.log(`new Postgres connections during the ${clients}-client phase: ${sessions - sessionsBefore} (each one authenticates)`);
        sessionsBefore = sessions;
      }
      return summary;
    }

    if (BESIDE_GIB > 0) {
      const { besideChecksum } = await import("./control-plane/beside-checksum");
      const [owner] = await newUsers(1);
      // Enough users that the loop stays under the per-user create limit (120 a minute).
      const pool = await newUsers(12);
      await besideChecksum({
        gib: BESIDE_GIB,
        owner: owner!,
        call,
        createOnce: createOnce(pool),
        signTargets: () => intents.slice(-20),
        signOnce,
        measure,
        formatRow,
      });
    }

    verdicts(summary);
  } finally {
    // Aborting each intent through the app also aborts its multipart upload in the bucket.
    let next = 0;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        for (let i = next++; i < intents.length; i = next++) {
          const t = intents[i]!;
          await fetch(`${app!.url}/api/uploads/${t.id}`, { method: "DELETE", headers: { cookie: t.user.jar.header(), origin: app!.url } }).catch(() => {});
        }
      }),
    );
    if (companion) {
      for (const c of companionUploads) {
        await fetch(`${companion.url}/s3/multipart/${encodeURIComponent(c.uploadId)}?key=${encodeURIComponent(c.key)}`, { method: "DELETE" }).catch(() => {});
      }
      await companion.stop();
    }
    await app?.stop();
    if (users.length) await getDb().execute(sql`delete from "user" where id = any(${sql.param(users.map((u) => u.id))}::text[])`);
    console.log(`\naborted ${intents.length} intents and ${companionUploads.length} Companion uploads; deleted ${users.length} benchmark users`);
    await closeDb();
    await stack.stop();
  }
}

/** Throughput per instance count at each client count, and the ratio to the first count. */
function scaling(byInstances: Record<number, Record<number, Record<string, Stats>>>) {
  const counts = Object.keys(byInstances).map(Number);
  const first = byInstances[counts[0]!]!;
  console.log(`\nThroughput by instance count (req/s, p50 ms), every count behind the balancer, rate limits ×${SWEEP_RATE_LIMIT_MULTIPLIER}`);
  for (const clients of CLIENTS) {
    for (const route of ["health", "create", "sign"]) {
      const cells = counts.map((c) => {
        const s = byInstances[c]![clients]![route]!;
        const base = first[clients]![route]!;
        return `${c}: ${s.rps.toFixed(1)} req/s (×${(s.rps / base.rps).toFixed(2)}), p50 ${s.p50.toFixed(0)} ms`;
      });
      console.log(`${String(clients).padStart(2)} clients ${route.padEnd(7)} ${cells.join("   ")}`);
    }
  }
}

function verdicts(summary: Record<number, Record<string, Stats>>) {
  const lines: string[] = [];
  const check = (label: string, value: number, limit: number) =>
    lines.push(`${value <= limit ? "met    " : "NOT met"}  ${label}: ${value.toFixed(1)} vs ${limit.toFixed(1)}`);
  const many = summary[20];
  if (many) {
    check("20 clients: create p50 ≤ 2× health p50", many.create!.p50, 2 * many.health!.p50);
    check("20 clients: sign-100 p50 ≤ 2× health p50", many.sign!.p50, 2 * many.health!.p50);
    if (many.companionSign) {
      check("20 clients: sign-100 p50 ≤ Companion p50", many.sign!.p50, many.companionSign.p50);
      check("20 clients: sign-100 p99 ≤ Companion p99", many.sign!.p99, many.companionSign.p99);
      check("20 clients: create p50 ≤ 1.5× Companion p50", many.create!.p50, 1.5 * many.companionCreate!.p50);
    }
  }
  const one = summary[1];
  if (one) {
    check("1 client: create p50 ≤ 25 ms", one.create!.p50, 25);
    check("1 client: sign-100 p50 ≤ 25 ms", one.sign!.p50, 25);
    if (one.companionSign) {
      check("1 client: sign-100 p50 ≤ Companion p50", one.sign!.p50, one.companionSign.p50);
      check("1 client: create p50 ≤ 1.5× Companion p50", one.create!.p50, 1.5 * one.companionCreate!.p50);
    }
  }
  console.log(`\nTargets\n${lines.join("\n")}`);
}

main().catch((error) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
