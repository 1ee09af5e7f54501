// The chaos harness's own stack: the same pieces `./dev/up` uses (dev/stack/*), started
// one by one so the harness knows every pid it will kill or pause. Runs in the test world
// of its slot (own data dir, ports, database, bucket, QStash data), never the developer's.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { configureBucket, ensureCephPackages, startCeph } from "../../dev/stack/ceph";
import { cephPaths } from "../../dev/stack/ceph-config";
import { DATA_DIR, LOCAL_PG, LOCAL_S3, localAuthSecret, localS3Env, PORTS, QSTASH_DEV_USER, ROOT_DIR } from "../../dev/stack/local-defaults";
import { startPostgres } from "../../dev/stack/postgres";
import { isPidAlive, readPidFile, stopInReverse, waitForExit, waitForPort } from "../../dev/stack/process-util";
import { startWsProxy } from "../../dev/stack/ws-proxy";

export type Log = (line: string) => void;
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Every process below `pid` (its workers, a postmaster's backends), from /proc. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {}
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {}
  }
}

export type ChaosStackOptions = {
  log: Log;
  appUrl: string;
  /** QSTASH_LOCAL_TIME_SCALE for the local QStash: retry waits and delays shrink by it. */
  timeScale: number;
  /** Extra environment for the QStash process (fault switches such as a duplicate rate). */
  qstashEnv?: Record<string, string>;
};

export type ChaosStack = {
  env: Record<string, string>;
  pids(): { postgres: number[]; qstash: number; rgw: number; app: number | null };
  /** SIGSTOP the process and its descendants for `ms`, then SIGCONT. */
  pause(what: "postgres" | "qstash" | "rgw", ms: number): Promise<void>;
  killQstash(): Promise<void>;
  startQstash(): Promise<void>;
  startApp(extraEnv?: Record<string, string>): Promise<void>;
  /** kill -9 of the app's whole process group (next start and its workers). */
  killApp(): Promise<void>;
  stop(): Promise<void>;
};

/** Sessions a retried or failed create left without a row are aborted after this [1 h]. */
export const UNTRACKED_SESSION_GRACE_SECONDS = 60;

export async function startChaosStack(opts: ChaosStackOptions): Promise<ChaosStack> {
  const { log } = opts;
  mkdirSync(DATA_DIR, { recursive: true });
  const stops: { name: string; stop: () => Promise<void> }[] = [];
  const env: Record<string, string> = {
    APP_URL: opts.appUrl,
    BETTER_AUTH_SECRET: process.env.BETTER_AUTH_SECRET ?? localAuthSecret(),
    SWEEP_UNTRACKED_SESSION_GRACE_SECONDS: String(UNTRACKED_SESSION_GRACE_SECONDS),
  };

  const pg = await startPostgres({ dataDir: join(DATA_DIR, "postgres"), port: PORTS.postgres, ...LOCAL_PG, log: (l) => log(`postgres: ${l}`) });
  stops.push({ name: "postgres", stop: pg.stop });
  const proxy = await startWsProxy({ port: PORTS.wsProxy, host: "127.0.0.1", allowedPorts: [PORTS.postgres] });
  stops.push({ name: "ws-proxy", stop: proxy.stop });
  env.POSTGRES_URL = pg.url;
  env.DATABASE_WS_PROXY = proxy.url;

  await ensureCephPackages((l) => log(`ceph: ${l}`));
  const cephDir = join(DATA_DIR, "ceph");
  const ceph = await startCeph({
    dataDir: cephDir,
    rgwPort: PORTS.rgw,
    monPort: PORTS.cephMon,
    accessKey: LOCAL_S3.accessKey,
    secretKey: LOCAL_S3.secretKey,
    bucket: LOCAL_S3.bucket,
    corsOrigins: [opts.appUrl],
    log: (l) => log(`ceph: ${l}`),
  });
  stops.push({ name: "ceph", stop: ceph.stop });
  await configureBucket({ ...LOCAL_S3, endpoint: ceph.endpoint, corsOrigins: [opts.appUrl] });
  Object.assign(env, {
    ...localS3Env(ceph.endpoint),
    QSTASH_URL: `http://127.0.0.1:${PORTS.qstash}`,
    QSTASH_TOKEN: QSTASH_DEV_USER.token,
    QSTASH_CURRENT_SIGNING_KEY: QSTASH_DEV_USER.currentSigningKey,
    QSTASH_NEXT_SIGNING_KEY: QSTASH_DEV_USER.nextSigningKey,
  });
  const rgwPidFile = cephPaths(cephDir).pid.rgw;

  // QStash in a process of its own (not in ours, as `./dev/up` runs it), so kill -9 is real.
  // `node --import tsx`, not the tsx CLI: the CLI forks a second node that would outlive a kill.
  const qstashDir = join(DATA_DIR, "qstash");
  let qstash: ChildProcess | null = null;
  const startQstash = async () => {
    const out = openSync(join(DATA_DIR, "chaos-qstash.log"), "a");
    qstash = spawn(
      process.execPath,
      ["--import", "tsx", "dev/qstash/main.ts", "--port", String(PORTS.qstash), "--data-dir", qstashDir, "--time-scale", String(opts.timeScale), "--quiet"],
      { cwd: ROOT_DIR, env: { ...process.env, ...opts.qstashEnv }, stdio: ["ignore", out, out] },
    );
    await waitForPort(PORTS.qstash, { pid: qstash.pid, timeoutMs: 30_000, what: "local qstash" });
  };
  const stopQstash = async () => {
    const child = qstash;
    if (!child?.pid || child.exitCode !== null) return;
    child.kill("SIGTERM");
    if (!(await waitForExit(child.pid, 10_000))) child.kill("SIGKILL");
  };
  await startQstash();
  stops.push({ name: "qstash", stop: stopQstash });

  let app: ChildProcess | null = null;
  const appPort = new URL(opts.appUrl).port;
  const startApp = async (extraEnv: Record<string, string> = {}) => {
    const out = openSync(join(DATA_DIR, "chaos-app.log"), "a");
    app = spawn(join(ROOT_DIR, "node_modules/.bin/next"), ["start", "--port", appPort], {
      cwd: ROOT_DIR,
      env: { ...process.env, ...env, ...extraEnv, NEXT_TELEMETRY_DISABLED: "1" },
      stdio: ["ignore", out, out],
      detached: true,
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ok = await fetch(`${opts.appUrl}/api/health`, { signal: AbortSignal.timeout(2_000) }).then(
        (r) => r.status < 500,
        () => false,
      );
      if (ok) return;
      if (app.exitCode !== null) throw new Error(`next start exited (${app.exitCode}); see ${join(DATA_DIR, "chaos-app.log")}`);
      if (Date.now() > deadline) throw new Error("next start did not answer /api/health within 60 s");
      await sleep(250);
    }
  };
  const killApp = async () => {
    const child = app;
    if (!child?.pid) return;
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {}
    await waitForExit(child.pid, 10_000);
  };
  stops.push({
    name: "app",
    stop: async () => {
      const child = app;
      if (!child?.pid || child.exitCode !== null) return;
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {}
      if (!(await waitForExit(child.pid, 10_000))) await killApp();
    },
  });

  const pids = () => ({
    postgres: [pg.pid, ...descendants(pg.pid)],
    qstash: qstash?.pid ?? -1,
    rgw: readPidFile(rgwPidFile) ?? -1,
    app: app?.pid ?? null,
  });

  return {
    env,
    pids,
    async pause(what, ms) {
      const p = pids();
      const targets = what === "postgres" ? p.postgres : what === "qstash" ? [p.qstash] : [p.rgw];
      signalAll(targets, "SIGSTOP");
      try {
        await sleep(ms);
      } finally {
        // Backends forked just before the stop, and the original list, all resume.
        signalAll(what === "postgres" ? [...new Set([...targets, ...pids().postgres])] : targets, "SIGCONT");
      }
    },
    async killQstash() {
      const child = qstash;
      if (!child?.pid) return;
      child.kill("SIGKILL");
      await waitForExit(child.pid, 10_000);
    },
    startQstash,
    startApp,
    killApp,
    async stop() {
      await stopInReverse(stops, log);
    },
  };
}

/** Removes the previous run's QStash data, so no old message reaches this run's app. */
export function resetQstashData(): void {
  const dir = join(DATA_DIR, "qstash");
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
}

export { isPidAlive };
