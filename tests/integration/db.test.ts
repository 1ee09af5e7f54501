// Integration: embedded Postgres + the WebSocket proxy + migrations + the Neon driver.
// Starts its own Postgres in a temp data dir on a free port (the stack's own dir and
// port are never touched), unless POSTGRES_URL and DATABASE_WS_PROXY point at a running one.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { join, resolve } from "node:path";
import { getTableConfig, type PgTable } from "drizzle-orm/pg-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type PostgresHandle, startPostgres } from "@/dev/stack/postgres";
import { isPidAlive } from "@/dev/stack/process-util";
import { startWsProxy, type WsProxyHandle } from "@/dev/stack/ws-proxy";
import { runMigrations } from "@/lib/db/migrate";
import { closeDb, createPool, getDb } from "@/lib/db/node";
import * as schema from "@/lib/db/schema";

const ROOT = resolve(import.meta.dirname, "../..");
const TEST_ROOT = join(ROOT, ".data", "pg-test", `run-${process.pid}-${Date.now()}`);
const PG_USER = "biblio_test";
const PG_PASSWORD = "p@ss:w/rd"; // characters that must survive URL encoding

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = net.createServer();
    srv.once("error", rej);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => res(port));
    });
  });
}

function pgOptions(dataDir: string, port: number) {
  return { dataDir, port, user: PG_USER, password: PG_PASSWORD, database: "biblio", log: () => {} };
}

const TABLES: Record<string, PgTable> = {
  user: schema.user,
  session: schema.session,
  account: schema.account,
  verification: schema.verification,
  projects: schema.projects,
  project_members: schema.projectMembers,
  uploads: schema.uploads,
  upload_events: schema.uploadEvents,
  jobs: schema.jobs,
  sweep_runs: schema.sweepRuns,
  storage_orphans: schema.storageOrphans,
  trigger_cursors: schema.triggerCursors,
  admin_audit: schema.adminAudit,
};

let pg: PostgresHandle | undefined;
let proxy: WsProxyHandle;
let url: string;
let wsProxyUrl: string;
let pgPort: number;
const timings: Record<string, number> = {};

beforeAll(async () => {
  proxy = await startWsProxy({ port: 0, host: "127.0.0.1" });
  if (process.env.POSTGRES_URL && process.env.DATABASE_WS_PROXY) {
    url = process.env.POSTGRES_URL;
    wsProxyUrl = process.env.DATABASE_WS_PROXY;
    pgPort = Number(new URL(url).port || 5432);
  } else {
    pgPort = await freePort();
    const t0 = performance.now();
    pg = await startPostgres(pgOptions(join(TEST_ROOT, "main"), pgPort));
    timings.cold = Math.round(performance.now() - t0);
    url = pg.url;
    wsProxyUrl = proxy.url;
    process.env.POSTGRES_URL = url;
    process.env.DATABASE_WS_PROXY = wsProxyUrl;
  }
  await runMigrations(url, { wsProxy: wsProxyUrl });
});

afterAll(async () => {
  await closeDb();
  await pg?.stop();
  await proxy?.stop();
  rmSync(TEST_ROOT, { recursive: true, force: true });
  if (Object.keys(timings).length) console.log(`[db.test] postgres start timings (ms): ${JSON.stringify(timings)}`);
});

/** Runs `fn` in a transaction that is always rolled back, so a shared database stays clean. */
async function inRollback(fn: (q: (text: string, values?: unknown[]) => Promise<any>) => Promise<void>) {
  const pool = createPool(url, wsProxyUrl);
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await fn((text, values) => client.query(text, values));
  } finally {
    await client.query("ROLLBACK").catch(() => {});
    client.release();
    await pool.end();
  }
}

async function seedOwner(q: (text: string, values?: unknown[]) => Promise<any>) {
  const userId = `usr_${crypto.randomUUID()}`;
  const projectId = schema.newPublicId("prj");
  await q(`INSERT INTO "user" (id, name, email) VALUES ($1, 'Ada', $2)`, [userId, `${userId}@example.test`]);
  await q(`INSERT INTO projects (id, name, owner_id) VALUES ($1, 'Films', $2)`, [projectId, userId]);
  return { userId, projectId };
}

function insertUpload(q: (text: string, values?: unknown[]) => Promise<any>, o: { userId: string; projectId: string; key: string; status?: string }) {
  return q(
    `INSERT INTO uploads (id, owner_id, project_id, plan, bucket, storage_key, name, safe_name, declared_type, declared_size, status, deadline_at)
     VALUES ($1, $2, $3, 'free', 'b', $4, 'a.mp4', 'a.mp4', 'video/mp4', 5000000000, $5, now() + interval '1 day')`,
    [schema.newPublicId("upl"), o.userId, o.projectId, o.key, o.status ?? "pending"],
  );
}

describe("migrations", () => {
  it("create every table with exactly the columns and indexes of lib/db/schema.ts", async () => {
    const db = getDb();
    const cols = await db.$client.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'`,
    );
    const idx = await db.$client.query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE schemaname = 'public'`);
    const indexNames = new Set(idx.rows.map((r) => r.indexname));
    for (const [name, table] of Object.entries(TABLES)) {
      const config = getTableConfig(table);
      expect(config.name).toBe(name);
      const actual = cols.rows
        .filter((r) => r.table_name === name)
        .map((r) => r.column_name)
        .sort();
      expect(actual, `columns of ${name}`).toEqual(config.columns.map((c) => c.name).sort());
      for (const index of config.indexes) expect(indexNames, `index ${index.config.name}`).toContain(index.config.name);
    }
  });

  it("are a no-op the second time", async () => {
    const count = async () => Number((await getDb().$client.query(`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`)).rows[0].n);
    const before = await count();
    expect(before).toBeGreaterThan(0);
    await runMigrations(url, { wsProxy: wsProxyUrl });
    expect(await count()).toBe(before);
  });

  it("reject an upload whose status is not a known state", async () => {
    await inRollback(async (q) => {
      const owner = await seedOwner(q);
      await expect(insertUpload(q, { ...owner, key: `uploads/x/${crypto.randomUUID()}`, status: "done" })).rejects.toMatchObject({
        code: "23514",
        constraint: "uploads_status_check",
      });
    });
  });

  it("keep storage keys unique, so a storage event maps to exactly one intent", async () => {
    await inRollback(async (q) => {
      const owner = await seedOwner(q);
      const key = `uploads/${crypto.randomUUID()}/a.mp4`;
      await insertUpload(q, { ...owner, key });
      await expect(insertUpload(q, { ...owner, key })).rejects.toMatchObject({ code: "23505", constraint: "uploads_storage_key_key" });
    });
  });

  it("give the admin listing an index-ordered keyset scan (no sort over a million rows)", async () => {
    await inRollback(async (q) => {
      await q("SET LOCAL enable_seqscan = off");
      await q("SET LOCAL enable_sort = off");
      const plan = async (sqlText: string) => (await q(`EXPLAIN ${sqlText}`)).rows.map((r: any) => r["QUERY PLAN"]).join("\n");
      const byStatus = await plan(
        `SELECT id FROM uploads WHERE status = 'processed' AND (created_at, id) < (now(), 'upl_z') ORDER BY created_at DESC, id DESC LIMIT 50`,
      );
      expect(byStatus).toContain("uploads_status_created_idx");
      expect(byStatus).not.toMatch(/^\s*(->\s*)?Sort\b/m);
      const all = await plan(`SELECT id FROM uploads ORDER BY created_at DESC, id DESC LIMIT 50`);
      expect(all).toContain("uploads_created_idx");
      expect(all).not.toMatch(/^\s*(->\s*)?Sort\b/m);
    });
  });

  it("fit better-auth: sign-up through the drizzle adapter stores role 'user' and plan 'free'", async () => {
    const { betterAuth } = await import("better-auth");
    const { drizzleAdapter } = await import("better-auth/adapters/drizzle");
    const { admin } = await import("better-auth/plugins");
    const auth = betterAuth({
      baseURL: "http://localhost:3000",
      secret: "x".repeat(32),
      database: drizzleAdapter(getDb(), { provider: "pg", schema }),
      emailAndPassword: { enabled: true },
      user: { additionalFields: { plan: { type: "string", defaultValue: "free", input: false } } },
      plugins: [admin()],
      logger: { disabled: true },
    });
    const email = `ba-${crypto.randomUUID()}@example.test`;
    const res = await auth.api.signUpEmail({ body: { email, password: "correct horse battery", name: "Ada" } });
    try {
      const row = (await getDb().$client.query(`SELECT role, plan, banned FROM "user" WHERE id = $1`, [res.user.id])).rows[0];
      expect(row).toEqual({ role: "user", plan: "free", banned: false });
      const sessions = await getDb().$client.query(`SELECT count(*)::int AS n FROM session WHERE user_id = $1`, [res.user.id]);
      expect(sessions.rows[0].n).toBe(1);
    } finally {
      await getDb().$client.query(`DELETE FROM "user" WHERE id = $1`, [res.user.id]);
    }
  });
});

describe("neon driver through the ws proxy", () => {
  it("runs queries and interactive transactions", async () => {
    const db = getDb();
    const { rows } = await db.$client.query(`SELECT current_user AS who, 1 + 1 AS two`);
    expect(rows[0]).toEqual({ who: pg ? PG_USER : rows[0].who, two: 2 });
    const n = await db.transaction(async (tx) => {
      const r = await tx.execute<{ n: number }>(`SELECT 41 + 1 AS n`);
      return r.rows[0].n;
    });
    expect(n).toBe(42);
  });

  it("streams a large value both ways intact", async () => {
    const big = "x".repeat(4 * 1024 * 1024);
    const { rows } = await getDb().$client.query(`SELECT length($1::text) AS len, md5($1::text) AS sum`, [big]);
    expect(Number(rows[0].len)).toBe(big.length);
    const { rows: back } = await getDb().$client.query(`SELECT repeat('y', 3000000) AS s`);
    expect(back[0].s.length).toBe(3_000_000);
  });
});

describe("ws proxy is not an open proxy", () => {
  function openWs(address: string, headers: Record<string, string> = {}) {
    return new WebSocket(`ws://${proxy.url}?address=${encodeURIComponent(address)}`, { headers });
  }
  function rejectedStatus(ws: WebSocket): Promise<number> {
    return new Promise((res, rej) => {
      ws.once("unexpected-response", (_req, r) => res(r.statusCode ?? 0));
      ws.once("open", () => rej(new Error("upgrade was accepted")));
      ws.once("error", () => {});
    });
  }

  it("refuses non-loopback targets", async () => {
    for (const address of ["10.0.0.1:5432", "example.com:5432", "169.254.169.254:80", "127.0.0.1.nip.io:5432"]) {
      expect(await rejectedStatus(openWs(address)), address).toBe(403);
    }
  });

  it("refuses upgrades from browser pages (Origin header)", async () => {
    expect(await rejectedStatus(openWs(`127.0.0.1:${pgPort}`, { Origin: "https://evil.example" }))).toBe(403);
  });

  it("refuses to carry anything but the Postgres protocol", async () => {
    const ws = openWs(`127.0.0.1:${pgPort}`);
    await new Promise((r) => ws.once("open", r));
    const closed = new Promise<number>((r) => ws.once("close", (code) => r(code)));
    ws.send(Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    expect(await closed).toBe(1008);
  });
});

describe("startPostgres", () => {
  const dir = join(TEST_ROOT, "lifecycle", "data");
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    const first = await startPostgres(pgOptions(dir, port));
    expect(first.coldInit).toBe(true);
    await first.stop();
  });

  it("warm-starts an existing data dir and creates a missing database", async () => {
    const t0 = performance.now();
    const again = await startPostgres({ ...pgOptions(dir, port), database: "second_db" });
    timings.warm = Math.round(performance.now() - t0);
    try {
      expect(again.coldInit).toBe(false);
      expect(again.url).toBe(`postgres://${PG_USER}:${encodeURIComponent(PG_PASSWORD)}@127.0.0.1:${port}/second_db`);
    } finally {
      await again.stop();
    }
    expect(isPidAlive(again.pid)).toBe(false);
  });

  it("recovers a postmaster.pid left by a dead run, or whose pid now belongs to another program", async () => {
    const sleeper = spawn("sleep", ["60"], { stdio: "ignore" });
    try {
      for (const pid of [deadPid(), sleeper.pid!]) {
        writeFileSync(join(dir, "postmaster.pid"), `${pid}\n${dir}\n1700000000\n${port}\n\n127.0.0.1\n0 0\nready   \n`);
        const h = await startPostgres(pgOptions(dir, port));
        expect(h.pid).not.toBe(pid);
        await h.stop();
      }
      expect(isPidAlive(sleeper.pid!)).toBe(true);
    } finally {
      sleeper.kill("SIGKILL");
    }
  });

  it("stops and replaces a server orphaned by a kill -9 of its parent", async () => {
    const script = join(TEST_ROOT, "orphan.mts");
    writeFileSync(
      script,
      `import { startPostgres } from ${JSON.stringify(join(ROOT, "dev/stack/postgres.ts"))};
       const h = await startPostgres(${JSON.stringify(pgOptions(dir, port))});
       console.log("PID " + h.pid);
       setInterval(() => {}, 1000);`,
    );
    const parent = spawn(process.execPath, ["--import", "tsx", script], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    const orphanPid = await readPid(parent);
    parent.kill("SIGKILL");
    await new Promise((r) => parent.once("exit", r));
    expect(isPidAlive(orphanPid)).toBe(true);

    const h = await startPostgres(pgOptions(dir, port));
    try {
      expect(h.pid).not.toBe(orphanPid);
      expect(isPidAlive(orphanPid)).toBe(false);
    } finally {
      await h.stop();
    }
  });

  it("refuses to take over a server whose owner is still running", async () => {
    const h = await startPostgres(pgOptions(dir, port));
    try {
      writeFileSync(join(dir, "biblio-owner.json"), JSON.stringify({ ownerPid: process.ppid, postmasterPid: h.pid, port }));
      await expect(startPostgres(pgOptions(dir, port))).rejects.toThrow(/in use by a running process/);
      expect(isPidAlive(h.pid)).toBe(true);
    } finally {
      await h.stop();
    }
  });

  it("names the port when it is busy", async () => {
    const squatter = net.createServer();
    await new Promise<void>((r) => squatter.listen(port, "127.0.0.1", () => r()));
    try {
      await expect(startPostgres(pgOptions(dir, port))).rejects.toThrow(new RegExp(`Port ${port} \\(postgres\\) is busy`));
    } finally {
      await new Promise((r) => squatter.close(r));
    }
    expect(existsSync(join(dir, "postmaster.pid"))).toBe(false);
  });
});

function deadPid(): number {
  // pid_max - 1 is almost never in use; fall back to a value above the default pid_max.
  const pid = Number(readFileSync("/proc/sys/kernel/pid_max", "utf8")) - 1;
  return isPidAlive(pid) ? 999_999 : pid;
}

function readPid(child: ChildProcess): Promise<number> {
  return new Promise((res, rej) => {
    let out = "";
    child.stdout!.on("data", (c) => {
      out += c;
      const m = /PID (\d+)/.exec(out);
      if (m) res(Number(m[1]));
    });
    child.once("exit", (code) => rej(new Error(`child exited (${code}) before starting postgres: ${out}`)));
  });
}

mkdirSync(TEST_ROOT, { recursive: true });
