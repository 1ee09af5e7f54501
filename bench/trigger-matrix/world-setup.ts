// The matrix's world: the slot's services with the meters in front of them, a bucket of
// its own with one notification topic per storage-event delivery path, and `next start`
// restarted per configuration with that configuration's environment.
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { AbortMultipartUploadCommand, DeleteObjectsCommand, ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { spawnNext, stopProcessGroup } from "../../dev/stack/app-process";
import { ROOT_DIR } from "../../dev/stack/local-defaults";
import { startWsProxy } from "../../dev/stack/ws-proxy";
import { type HttpProxy, type PgProxy, startHttpProxy, startPgProxy } from "./proxies";

export const BUCKET = "biblio-bench-matrix";
export const APP_NAME = "trigger-matrix-app";
/** The path Ceph's direct topic pushes to; the front proxy adds the shared secret (see README). */
export const DIRECT_PATH = "/direct-storage-events";
const STORAGE_SECRET = "trigger-matrix-shared-secret-0123456789abcdef";

export type MatrixWorld = {
  stackEnv: Record<string, string>;
  appUrl: string;
  front: HttpProxy;
  s3: HttpProxy;
  qstash: HttpProxy;
  pg: PgProxy;
  s3Direct: S3Client;
  appEnv(triggers: string): Record<string, string>;
  startApp(triggers: string): Promise<void>;
  stopApp(): Promise<void>;
  emptyBucket(): Promise<void>;
  stop(): Promise<void>;
};

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

export async function startMatrixWorld(stackEnv: Record<string, string>): Promise<MatrixWorld> {
  const appPort = await freePort();
  const capture = (method: string, path: string) =>
    method === "POST" && (path === "/api/jobs/process" || path === "/api/storage-events" || path.startsWith("/v2/"));
  const front = await startHttpProxy({
    target: `http://127.0.0.1:${appPort}`,
    capture,
    // Ceph 16 refuses credentials in a plain-http push endpoint and a topic carries no
    // headers: the proxy adds the shared secret, as SNS basic auth or an EventBridge
    // connection would, and nothing queues the event on the way.
    rewrite: (path) => (path === DIRECT_PATH ? { path: "/api/storage-events", headers: { "x-biblio-storage-secret": STORAGE_SECRET } } : null),
  });
  const s3 = await startHttpProxy({ target: stackEnv.S3_ENDPOINT! });
  const qstash = await startHttpProxy({ target: stackEnv.QSTASH_URL!, capture });
  const pgUrl = new URL(stackEnv.POSTGRES_URL!);
  const pg = await startPgProxy({ targetPort: Number(pgUrl.port) });
  const ws = await startWsProxy({ port: await freePort(), host: "127.0.0.1", allowedPorts: [pg.port] });
  const appUrl = front.url;
  const s3Direct = new S3Client({
    endpoint: stackEnv.S3_ENDPOINT,
    region: stackEnv.S3_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: stackEnv.S3_ACCESS_KEY_ID!, secretAccessKey: stackEnv.S3_SECRET_ACCESS_KEY! },
  });

  const appPgUrl = new URL(pgUrl);
  appPgUrl.port = String(pg.port);
  appPgUrl.searchParams.set("application_name", APP_NAME);
  const appEnv = (triggers: string): Record<string, string> => ({
    ...stackEnv,
    APP_URL: appUrl,
    POSTGRES_URL: appPgUrl.toString(),
    DATABASE_WS_PROXY: ws.url,
    S3_ENDPOINT: s3.url,
    S3_BUCKET: BUCKET,
    QSTASH_URL: qstash.url,
    STORAGE_EVENT_SECRET: STORAGE_SECRET,
    BIBLIO_TRIGGERS: triggers,
    RATE_LIMIT_MULTIPLIER: "0",
    LOG_LEVEL: "warn",
    NEXT_DIST_DIR: process.env.NEXT_DIST_DIR!,
  });

  let app: ChildProcess | null = null;
  const world: MatrixWorld = {
    stackEnv,
    appUrl,
    front,
    s3,
    qstash,
    pg,
    s3Direct,
    appEnv,
    async startApp(triggers) {
      app = spawnNext(["start", "--port", String(appPort), "--hostname", "127.0.0.1"], appEnv(triggers), "ignore");
      const deadline = Date.now() + 90_000;
      for (;;) {
        const ok = await fetch(`http://127.0.0.1:${appPort}/api/health`, { signal: AbortSignal.timeout(2_000) }).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) return;
        if (app.exitCode !== null) throw new Error(`next start exited (${app.exitCode})`);
        if (Date.now() > deadline) throw new Error("next start did not answer /api/health within 90 s");
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    async stopApp() {
      if (app) await stopProcessGroup(app);
      app = null;
    },
    async emptyBucket() {
      for (;;) {
        const page = await s3Direct.send(new ListObjectsV2Command({ Bucket: BUCKET }));
        const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
        if (!keys.length) break;
        await s3Direct.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: keys } }));
      }
      for (;;) {
        const page = await s3Direct.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }));
        if (!page.Uploads?.length) break;
        await Promise.all(page.Uploads.map((u) => s3Direct.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: u.Key!, UploadId: u.UploadId! }))));
      }
    },
    async stop() {
      await world.stopApp();
      await Promise.all([front.stop(), s3.stop(), qstash.stop(), pg.stop(), ws.stop()]);
      s3Direct.destroy();
    },
  };
  return world;
}

/** The build `next start` serves: reused when present (`--build` forces a new one). */
export async function ensureBuild(force: boolean, env: Record<string, string>, log: (l: string) => void): Promise<void> {
  const dist = process.env.NEXT_DIST_DIR!;
  if (!force && existsSync(join(ROOT_DIR, dist, "BUILD_ID"))) return log(`reusing the build in ${dist} (--build for a fresh one)`);
  log(`next build into ${dist} …`);
  const child = spawnNext(["build"], env, "ignore");
  const code = await new Promise<number | null>((r) => child.on("exit", r));
  if (code !== 0) throw new Error(`next build failed (exit ${code})`);
}
