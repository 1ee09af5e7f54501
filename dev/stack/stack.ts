import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startQstashServer } from "../qstash/server";
import { configureBucket, ensureCephPackages, startCeph } from "./ceph";
import { DATA_DIR, LOCAL_PG, LOCAL_S3, localAuthSecret, localS3Env, PORTS, QSTASH_DEV_USER } from "./local-defaults";
import { startPostgres } from "./postgres";
import { describePortOwner, isPidAlive, isPortFree, stopInReverse } from "./process-util";
import { startWsProxy } from "./ws-proxy";

export type Log = (line: string) => void;
type Stoppable = { name: string; stop(): Promise<void> };

export interface StackOptions {
  log: Log;
  appUrl?: string;
  /** Extra browser origins allowed by bucket CORS (the app origin is always allowed). */
  corsOrigins?: string[];
  /** Aborted by Ctrl-C during start: the services started so far are stopped, and start fails. */
  signal?: AbortSignal;
}

export interface Stack {
  env: Record<string, string>;
  started: string[];
  timings: Record<string, number>;
  stop(): Promise<void>;
}

const STATE_FILE = join(DATA_DIR, "stack.json");

/** A running stack's environment, so tests can reuse it instead of starting another. */
export function readRunningStack(): { pid: number; env: Record<string, string> } | null {
  if (!existsSync(STATE_FILE)) return null;
  try {
    const state = JSON.parse(readFileSync(STATE_FILE, "utf8")) as { pid: number; env: Record<string, string> };
    return isPidAlive(state.pid) ? state : null;
  } catch {
    return null;
  }
}

async function claimPort(port: number, what: string) {
  if (await isPortFree(port)) return;
  throw new Error(`Port ${port} (${what}) is busy: ${await describePortOwner(port)}. Stop that process or free the port, then run again.`);
}

async function timed<T>(timings: Record<string, number>, name: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const out = await fn();
  timings[name] = Math.round(performance.now() - t0);
  return out;
}

/**
 * Brings up every service whose real counterpart is not configured in the environment,
 * and returns the environment the app and the tests should run with.
 */
export async function startStack(opts: StackOptions): Promise<Stack> {
  const { log } = opts;
  const running = readRunningStack();
  if (running && running.pid !== process.pid) {
    throw new Error(`A Biblio stack is already running (pid ${running.pid}). Stop it with Ctrl-C or \`kill ${running.pid}\`.`);
  }
  mkdirSync(DATA_DIR, { recursive: true });
  const appUrl = opts.appUrl ?? process.env.APP_URL ?? `http://localhost:${PORTS.app}`;
  const env: Record<string, string> = { APP_URL: appUrl };
  const stoppables: Stoppable[] = [];
  const started: string[] = [];
  const timings: Record<string, number> = {};

  const stop = async () => {
    await stopInReverse(stoppables, log);
    stoppables.length = 0;
    rmSync(STATE_FILE, { force: true });
  };
  /** Registers a started service; after a Ctrl-C during start, unwinds from here instead of starting more. */
  const track = (service: Stoppable) => {
    stoppables.push(service);
    if (opts.signal?.aborted) throw new Error("interrupted while starting; stopped what had started");
  };

  try {
    env.BETTER_AUTH_SECRET = process.env.BETTER_AUTH_SECRET ?? localAuthSecret();

    if (process.env.POSTGRES_URL) {
      env.POSTGRES_URL = process.env.POSTGRES_URL;
      if (process.env.DATABASE_WS_PROXY) env.DATABASE_WS_PROXY = process.env.DATABASE_WS_PROXY;
      log("postgres: using POSTGRES_URL from the environment");
    } else {
      // No port claim for postgres: after a killed run its orphan holds the port, and
      // startPostgres recovers that itself (and names any other owner).
      await claimPort(PORTS.wsProxy, "postgres websocket proxy");
      const pg = await timed(timings, "postgres", () =>
        startPostgres({ dataDir: join(DATA_DIR, "postgres"), port: PORTS.postgres, ...LOCAL_PG, log: (l) => log(`postgres: ${l}`) }),
      );
      track({ name: "postgres", stop: pg.stop });
      const proxy = await startWsProxy({ port: PORTS.wsProxy, host: "127.0.0.1", allowedPorts: [PORTS.postgres], log: (l) => log(`ws-proxy: ${l}`) });
      track({ name: "ws-proxy", stop: proxy.stop });
      env.POSTGRES_URL = pg.url;
      env.DATABASE_WS_PROXY = proxy.url;
      started.push(`postgres   ${pg.url.replace(/:[^:@/]+@/, ":***@")} (${pg.coldInit ? "initialised" : "warm"}, ${timings.postgres} ms)`);
      started.push(`ws-proxy   ws://${proxy.url}`);
    }

    if (process.env.S3_ENDPOINT || process.env.S3_ACCESS_KEY_ID) {
      for (const key of ["S3_ENDPOINT", "S3_REGION", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_BUCKET", "S3_FORCE_PATH_STYLE"]) {
        if (process.env[key]) env[key] = process.env[key]!;
      }
      log("s3: using S3_* from the environment");
    } else {
      await ensureCephPackages((l) => log(`ceph: ${l}`));
      const ceph = await timed(timings, "ceph", () =>
        startCeph({
          dataDir: join(DATA_DIR, "ceph"),
          rgwPort: PORTS.rgw,
          monPort: PORTS.cephMon,
          accessKey: LOCAL_S3.accessKey,
          secretKey: LOCAL_S3.secretKey,
          bucket: LOCAL_S3.bucket,
          corsOrigins: corsOrigins(appUrl, opts.corsOrigins),
          log: (l) => log(`ceph: ${l}`),
        }),
      );
      track({ name: "ceph", stop: ceph.stop });
      await configureBucket({ ...LOCAL_S3, endpoint: ceph.endpoint, corsOrigins: corsOrigins(appUrl, opts.corsOrigins) });
      Object.assign(env, localS3Env(ceph.endpoint));
      started.push(`s3 (ceph)  ${ceph.endpoint}/${LOCAL_S3.bucket} (${ceph.coldInit ? "initialised" : "warm"}, ${timings.ceph} ms)`);
    }

    if (process.env.QSTASH_TOKEN || process.env.QSTASH_DEV) {
      for (const key of ["QSTASH_DEV", "QSTASH_URL", "QSTASH_TOKEN", "QSTASH_CURRENT_SIGNING_KEY", "QSTASH_NEXT_SIGNING_KEY"]) {
        if (process.env[key]) env[key] = process.env[key]!;
      }
      log("qstash: using QSTASH_* from the environment");
    } else {
      await claimPort(PORTS.qstash, "local qstash");
      const qstash = await timed(timings, "qstash", () =>
        startQstashServer({
          port: PORTS.qstash,
          dataDir: join(DATA_DIR, "qstash"),
          timeScale: Number(process.env.QSTASH_LOCAL_TIME_SCALE ?? 1),
          // Fault switch for the chaos harness (off unless set): deliver a share of messages twice.
          duplicateRate: Number(process.env.QSTASH_LOCAL_DUPLICATE_RATE ?? 0),
          duplicateMode: process.env.QSTASH_LOCAL_DUPLICATE_MODE === "concurrent" ? "concurrent" : "after",
          log: (l) => log(`qstash: ${l}`),
        }),
      );
      track({ name: "qstash", stop: qstash.stop });
      Object.assign(env, {
        QSTASH_URL: qstash.url,
        QSTASH_TOKEN: QSTASH_DEV_USER.token,
        QSTASH_CURRENT_SIGNING_KEY: QSTASH_DEV_USER.currentSigningKey,
        QSTASH_NEXT_SIGNING_KEY: QSTASH_DEV_USER.nextSigningKey,
      });
      started.push(`qstash     ${qstash.url} (local, persisted under .data/qstash)`);
    }

    // ── safety nets (lib/setup, the same code as `npm run setup`) ──────────────────
    // Ceph notifications → local QStash → /api/storage-events, the queues, the sweep schedule.
    if (!process.env.S3_ENDPOINT && !process.env.QSTASH_TOKEN) {
      const { runSetup } = await import("../../lib/setup/run-setup");
      const { parseEnv } = await import("../../lib/env");
      await runSetup({
        env: parseEnv({ ...process.env, ...env }),
        corsOrigins: [],
        steps: ["queues", "notifications", "schedules"],
        log: (l) => log(`setup: ${l}`),
      });
    }

    writeFileSync(STATE_FILE, JSON.stringify({ pid: process.pid, env }, null, 2), { mode: 0o600 });
    return { env, started, timings, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Browsers PUT parts straight to the bucket, so every local app origin needs CORS: the
 * configured one, and the dev and e2e ports, since `./dev/test` reuses a running stack.
 */
export function corsOrigins(appUrl: string, extra: string[] = []): string[] {
  const origins = [new URL(appUrl).origin, `http://localhost:${PORTS.app}`, `http://localhost:${PORTS.e2eApp}`, ...extra];
  const withAlt = origins.flatMap((origin) => [origin, origin.replace("localhost", "127.0.0.1"), origin.replace("127.0.0.1", "localhost")]);
  return [...new Set(withAlt)];
}
