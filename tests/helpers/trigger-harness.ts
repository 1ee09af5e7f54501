// A self-contained trigger rig for integration tests and the trigger benchmark: the
// route handlers behind a loopback HTTP server, an in-process local QStash delivering to
// it, and a dedicated bucket whose Ceph notifications go through that QStash. Using a
// bucket of its own keeps the notifications and the sweep away from other suites' data.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { AbortMultipartUploadCommand, DeleteObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { Client } from "@upstash/qstash";
import { type QstashServerHandle, startQstashServer } from "../../dev/qstash/server";
import { QSTASH_DEV_USER } from "../../dev/stack/local-defaults";

export type Delivery = { path: string; at: number; body: string; headers: Record<string, string> };
type RouteHandler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

export type Harness = {
  appUrl: string;
  qstash: QstashServerHandle;
  deliveries: Delivery[];
  topicArn: string | null;
  /** Points the test bucket's notifications at QStash → /api/storage-events (non-persistent topic). */
  enableNotifications(): Promise<void>;
  stop(): Promise<void>;
};

/**
 * Must run before anything reads the environment (getEnv caches): it fixes APP_URL to
 * the loopback server and S3_BUCKET to `bucket`.
 */
export async function startHarness(opts: { bucket: string; topicName: string }): Promise<Harness> {
  const deliveries: Delivery[] = [];
  const routes: Record<string, () => Promise<RouteHandler>> = {
    "/api/storage-events": async () => (await import("@/app/api/storage-events/route")).POST as RouteHandler,
    "/api/cron/sweep": async () => (await import("@/app/api/cron/sweep/route")).POST as RouteHandler,
    "/api/uploads/check": async () => (await import("@/app/api/uploads/check/route")).POST as RouteHandler,
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const path = (req.url ?? "/").split("?")[0]!;
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
      deliveries.push({ path, at: performance.now(), body, headers });
      try {
        const load = routes[path];
        // The worker is someone else's: this stand-in accepts the job, which is what "reached the worker" means here.
        if (!load) return void res.writeHead(200, { "content-type": "application/json" }).end("{}");
        const handler = await load();
        const request = new Request(`${appUrl}${req.url}`, { method: req.method, headers, body: req.method === "GET" ? undefined : body });
        const out = await handler(request, { params: Promise.resolve({}) });
        res.writeHead(out.status, Object.fromEntries(out.headers)).end(await out.text());
      } catch (error) {
        res.writeHead(500).end(String(error));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.APP_URL = appUrl;
  process.env.S3_BUCKET = opts.bucket;

  const qstash = await startQstashServer({ port: 0, timeScale: 0.001 });
  const { replaceQstashClient } = await import("@/lib/queue/qstash-client");
  replaceQstashClient(new Client({ baseUrl: qstash.url, token: QSTASH_DEV_USER.token, devMode: false, enableTelemetry: false }));

  const { getEnv } = await import("@/lib/env");
  const { configureBucket } = await import("@/lib/setup/configure-bucket");
  const { configureTopicNotification, removeTopicNotification } = await import("@/lib/setup/configure-notifications");
  const { storageEventPushEndpoint } = await import("@/lib/setup/run-setup");
  const env = getEnv();
  const target = {
    endpoint: env.S3_ENDPOINT,
    region: env.S3_REGION,
    accessKey: env.S3_ACCESS_KEY_ID,
    secretKey: env.S3_SECRET_ACCESS_KEY,
    forcePathStyle: true,
  };
  await configureBucket({ ...target, bucket: opts.bucket, corsOrigins: [appUrl] });
  // A leftover notification pointing at a dead port makes every PUT to the bucket hang: start clean.
  await removeTopicNotification({ ...target, bucket: opts.bucket });
  await emptyBucket();
  await settleLeftoverRows(opts.bucket);

  const harness: Harness = {
    appUrl,
    qstash,
    deliveries,
    topicArn: null,
    async enableNotifications() {
      harness.topicArn = await configureTopicNotification({
        ...target,
        bucket: opts.bucket,
        topicName: opts.topicName,
        pushEndpoint: storageEventPushEndpoint({ ...env, QSTASH_URL: qstash.url, QSTASH_TOKEN: QSTASH_DEV_USER.token }),
        persistent: false,
      });
    },
    async stop() {
      await removeTopicNotification({ ...target, bucket: opts.bucket, topicArn: harness.topicArn ?? undefined }).catch(() => undefined);
      replaceQstashClient(undefined);
      await qstash.stop();
      await new Promise((r) => server.close(r));
    },
  };
  return harness;
}

/**
 * Ends the rows earlier runs left open in this bucket (the test database outlives a run,
 * and this rig's stand-in worker never finishes a job): their objects were just deleted,
 * and a sweep would otherwise spend its passes re-publishing them.
 */
async function settleLeftoverRows(bucket: string): Promise<void> {
  const { getDb } = await import("@/lib/db/client");
  const { sql } = await import("drizzle-orm");
  await getDb().execute(sql`
    update uploads set status = case when status = 'pending' then 'expired' else 'failed' end,
      failure_reason = 'left open by an earlier test run', lease_until = null, updated_at = now()
    where bucket = ${bucket} and status in ('pending', 'uploaded', 'queued', 'processing')`);
}

/** Deletes every object and open multipart session under uploads/ in the current bucket. */
export async function emptyBucket(): Promise<void> {
  const { getBucket, getS3 } = await import("@/lib/storage/s3-client");
  const s3 = getS3();
  const Bucket = getBucket();
  for (;;) {
    const page = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: "uploads/" }));
    if (!page.Contents?.length) break;
    await Promise.all(page.Contents.map((o) => s3.send(new DeleteObjectCommand({ Bucket, Key: o.Key! }))));
  }
  for (;;) {
    const page = await s3.send(new ListMultipartUploadsCommand({ Bucket, Prefix: "uploads/" }));
    if (!page.Uploads?.length) break;
    await Promise.all(page.Uploads.map((u) => s3.send(new AbortMultipartUploadCommand({ Bucket, Key: u.Key!, UploadId: u.UploadId! }))));
  }
}

export async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Waits until the in-process QStash has settled: nothing in flight, nothing due, nothing
 * paused and nothing waiting for a delay or a retry. After this, no further delivery can
 * happen without a new publish: the real signal for "and nothing else arrived".
 */
export async function waitForQuiet(h: Harness, timeoutMs = 30_000) {
  return waitFor(
    "QStash to settle",
    async () => {
      const s = await h.qstash.waitForIdle({ timeoutMs: 1_000, stableMs: 20 });
      return s.idle && s.delayed === 0 && s.paused === 0 && s;
    },
    timeoutMs,
  );
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
