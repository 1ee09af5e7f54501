// A small world for the fault tests, made of processes the test owns so it can kill and
// pause them: a Postgres of its own (embedded, SIGSTOP-able), the local QStash server as a
// child process (kill -9, SIGSTOP), the API route handlers as a child process
// (tests/helpers/faults-app.ts, kill -9), and the suite's Ceph behind a TCP relay that can
// hold every byte (the store "paused": connections open, nothing answered), with a bucket of
// its own whose notifications go to this world's QStash.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, openSync, rmSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import type { Pool } from "@neondatabase/serverless";
import { Client } from "@upstash/qstash";
import { Api } from "../../bench/chaos/clients";
import { descendants } from "../../bench/chaos/stack";
import { DATA_DIR, QSTASH_DEV_USER, ROOT_DIR } from "../../dev/stack/local-defaults";
import { startPostgres } from "../../dev/stack/postgres";
import { waitForExit, waitForPort } from "../../dev/stack/process-util";
import { startWsProxy } from "../../dev/stack/ws-proxy";

export type FaultRig = {
  appUrl: string;
  api: Api;
  /** This world's own database (not the suite's). */
  pool: Pool;
  s3: S3Client;
  bucket: string;
  qstash: Client;
  qstashUrl: string;
  qstashToken: string;
  startApp(extraEnv?: Record<string, string>): Promise<void>;
  killApp(): Promise<void>;
  /** Starts the app with no fault settings unless it is running as such: a failed test must not leave the next one without an app. */
  restoreApp(): Promise<void>;
  startQstash(extraEnv?: Record<string, string>): Promise<void>;
  killQstash(): Promise<void>;
  /** SIGSTOP; the returned function sends SIGCONT. */
  pauseQstash(): () => void;
  pausePostgres(): () => void;
  /** Holds every byte between clients and the store until resumed. */
  pauseStore(): { resume(): void; held(): number };
  /** Publishes a sweep through QStash, as the schedule does. */
  sweep(): Promise<void>;
  stop(): Promise<void>;
};

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

function signal(pids: number[], sig: NodeJS.Signals) {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {}
  }
}

/** A TCP relay whose flow can be held: bytes in both directions wait until resume. */
async function startRelay(target: { host: string; port: number }) {
  let paused = false;
  const held = new Set<() => void>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    const pipe = (from: net.Socket, to: net.Socket) =>
      from.on("data", (chunk) => {
        if (!paused) return void to.write(chunk);
        from.pause();
        const flush = () => {
          held.delete(flush);
          to.write(chunk);
          from.resume();
        };
        held.add(flush);
      });
    pipe(client, upstream);
    pipe(upstream, client);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", close).on("close", close);
    upstream.on("error", close).on("close", close);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as net.AddressInfo).port,
    pause() {
      paused = true;
      return {
        held: () => held.size,
        resume() {
          paused = false;
          for (const flush of [...held]) flush();
        },
      };
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

export async function startFaultRig(opts: { bucket: string; qstashTimeScale: number; appEnv?: Record<string, string> }): Promise<FaultRig> {
  // Inside the test world's .data dir: the postgres user must be able to reach it.
  mkdirSync(DATA_DIR, { recursive: true });
  const dir = mkdtempSync(join(DATA_DIR, "faults-rig-"));
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    // FAULTS_RIG_KEEP=1 keeps the logs and data of this world for a look after a failure.
    if (process.env.FAULTS_RIG_KEEP !== "1") rmSync(dir, { recursive: true, force: true });
  };
  try {
    const pgPort = await freePort();
    const pg = await startPostgres({ dataDir: join(dir, "pg"), port: pgPort, user: "postgres", password: "postgres", database: "biblio" });
    stops.push(pg.stop);
    const proxy = await startWsProxy({ port: await freePort(), host: "127.0.0.1", allowedPorts: [pgPort] });
    stops.push(proxy.stop);
    const { runMigrations } = await import("@/lib/db/migrate");
    await runMigrations(pg.url, { wsProxy: proxy.url });
    const { createPool } = await import("@/lib/db/client");
    const pool = createPool(pg.url, proxy.url);
    stops.push(() => pool.end());

    // The store, reached through the relay by everyone in this world.
    const realEndpoint = new URL(process.env.S3_ENDPOINT!);
    const relay = await startRelay({ host: realEndpoint.hostname, port: Number(realEndpoint.port || 80) });
    stops.push(relay.stop);
    const s3Endpoint = `http://127.0.0.1:${relay.port}`;

    const appPort = await freePort();
    const appUrl = `http://127.0.0.1:${appPort}`;
    const qstashPort = await freePort();
    const qstashUrl = `http://127.0.0.1:${qstashPort}`;
    const env: Record<string, string> = {
      NODE_ENV: "test",
      APP_URL: appUrl,
      POSTGRES_URL: pg.url,
      DATABASE_WS_PROXY: proxy.url,
      S3_ENDPOINT: s3Endpoint,
      S3_BUCKET: opts.bucket,
      S3_FORCE_PATH_STYLE: "true",
      QSTASH_DEV: "false",
      QSTASH_URL: qstashUrl,
      QSTASH_TOKEN: QSTASH_DEV_USER.token,
      QSTASH_CURRENT_SIGNING_KEY: QSTASH_DEV_USER.currentSigningKey,
      QSTASH_NEXT_SIGNING_KEY: QSTASH_DEV_USER.nextSigningKey,
    };

    let qstashChild: ChildProcess | null = null;
    const startQstash = async (extraEnv: Record<string, string> = {}) => {
      const out = openSync(join(dir, "qstash.log"), "a");
      qstashChild = spawn(
        process.execPath,
        [
          "--import",
          "tsx",
          "dev/qstash/main.ts",
          "--port",
          String(qstashPort),
          "--data-dir",
          join(dir, "qstash"),
          "--time-scale",
          String(opts.qstashTimeScale),
        ],
        { cwd: ROOT_DIR, env: { ...process.env, QSTASH_LOCAL_TIME_SCALE: String(opts.qstashTimeScale), ...extraEnv }, stdio: ["ignore", out, out] },
      );
      await waitForPort(qstashPort, { pid: qstashChild.pid, timeoutMs: 30_000, what: "local qstash" });
    };
    const killQstash = async () => {
      const child = qstashChild;
      if (!child?.pid || child.exitCode !== null) return;
      child.kill("SIGKILL");
      await waitForExit(child.pid, 10_000);
    };
    await startQstash();
    stops.push(killQstash);

    let appChild: ChildProcess | null = null;
    let appExtra: Record<string, string> = {};
    const startApp = async (extraEnv?: Record<string, string>) => {
      if (extraEnv) appExtra = extraEnv;
      const out = openSync(join(dir, "app.log"), "a");
      appChild = spawn(process.execPath, ["--import", "tsx", "tests/helpers/faults-app.ts", String(appPort)], {
        cwd: ROOT_DIR,
        env: { ...process.env, ...env, ...opts.appEnv, ...appExtra },
        stdio: ["ignore", out, out],
      });
      await waitForPort(appPort, { pid: appChild.pid, timeoutMs: 30_000, what: "faults app" });
    };
    const killApp = async () => {
      const child = appChild;
      if (!child?.pid || child.exitCode !== null) return;
      child.kill("SIGKILL");
      await waitForExit(child.pid, 10_000);
    };
    const restoreApp = async () => {
      const running = appChild?.pid !== undefined && appChild.exitCode === null && appChild.signalCode === null;
      if (running && Object.keys(appExtra).length === 0) return;
      await killApp();
      await startApp({});
    };
    await startApp();
    stops.push(killApp);

    // Bucket, queues and the storage-event notification of this world (lib/setup, as `npm run
    // setup`), against the store directly: the relay must not be what the setup waits on.
    // The topic has a name of its own: the suite's topic must keep pointing at the suite's QStash.
    const { runSetup, storageEventPushEndpoint } = await import("@/lib/setup/run-setup");
    const { configureTopicNotification, removeTopicNotification } = await import("@/lib/setup/configure-notifications");
    const { parseEnv } = await import("@/lib/env");
    const rigEnv = parseEnv({ ...process.env, ...env });
    const target = {
      endpoint: process.env.S3_ENDPOINT!,
      region: rigEnv.S3_REGION,
      accessKey: rigEnv.S3_ACCESS_KEY_ID,
      secretKey: rigEnv.S3_SECRET_ACCESS_KEY,
      forcePathStyle: true,
      bucket: opts.bucket,
    };
    await runSetup({ env: { ...rigEnv, S3_ENDPOINT: target.endpoint }, corsOrigins: [appUrl], steps: ["bucket", "queues"] });
    const topicArn = await configureTopicNotification({
      ...target,
      topicName: `${opts.bucket}-events`,
      pushEndpoint: storageEventPushEndpoint(rigEnv),
      persistent: false,
    });
    stops.push(() => removeTopicNotification({ ...target, topicArn }));

    const s3 = new S3Client({
      endpoint: process.env.S3_ENDPOINT,
      region: rigEnv.S3_REGION,
      forcePathStyle: true,
      credentials: { accessKeyId: rigEnv.S3_ACCESS_KEY_ID, secretAccessKey: rigEnv.S3_SECRET_ACCESS_KEY },
    });
    const qstash = new Client({ baseUrl: qstashUrl, token: QSTASH_DEV_USER.token, enableTelemetry: false });

    return {
      appUrl,
      api: new Api(appUrl),
      pool,
      s3,
      bucket: opts.bucket,
      qstash,
      qstashUrl,
      qstashToken: QSTASH_DEV_USER.token,
      startApp,
      killApp,
      restoreApp,
      startQstash,
      killQstash,
      pauseQstash() {
        const pid = qstashChild!.pid!;
        signal([pid], "SIGSTOP");
        return () => signal([pid], "SIGCONT");
      },
      pausePostgres() {
        const pids = [pg.pid, ...descendants(pg.pid)];
        signal(pids, "SIGSTOP");
        return () => signal([...new Set([...pids, pg.pid, ...descendants(pg.pid)])], "SIGCONT");
      },
      pauseStore: () => relay.pause(),
      async sweep() {
        await qstash.publishJSON({ url: `${appUrl}/api/cron/sweep`, body: { trigger: "schedule" }, retries: 0 });
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
