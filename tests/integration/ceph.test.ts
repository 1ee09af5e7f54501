// Local S3 (Ceph RGW) contract the app relies on: bucket config, presigned PUT with CORS,
// signed Content-Length, the multipart set, and (local Ceph only) event notifications.
// Set S3_ENDPOINT (+ S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_BUCKET) to test a running
// store instead of starting one under .data/ceph-test.
import http from "node:http";
import { resolve } from "node:path";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetBucketCorsCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketNotificationConfigurationCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CephHandle, configureBucket, configureNotifications, removeNotifications, s3ClientConfig, startCeph } from "../../dev/stack/ceph";

const ORIGIN = "http://localhost:3000";
const external = !!process.env.S3_ENDPOINT;
const target = {
  endpoint: process.env.S3_ENDPOINT ?? "http://127.0.0.1:7490",
  accessKey: process.env.S3_ACCESS_KEY_ID ?? "biblio-test",
  secretKey: process.env.S3_SECRET_ACCESS_KEY ?? "biblio-test-secret",
  region: process.env.S3_REGION,
};
// Its own bucket even on a shared store: this suite rewrites CORS and notifications.
const bucket = "biblio-ceph-test";
const corsOrigins = [ORIGIN, "http://127.0.0.1:3000"];
const runId = Date.now().toString(36);

let ceph: CephHandle | undefined;
let s3: S3Client;

beforeAll(async () => {
  if (!external) {
    const t0 = Date.now();
    ceph = await startCeph({
      dataDir: resolve(__dirname, "../../.data/ceph-test"),
      // Not the dev defaults (7480/6790), so the suite runs next to `npm run stack`.
      rgwPort: 7490,
      monPort: 6791,
      accessKey: target.accessKey,
      secretKey: target.secretKey,
      bucket,
      corsOrigins,
      log: (l) => console.log(`[${Date.now() - t0} ms] ${l}`),
    });
    target.endpoint = ceph.endpoint;
  } else {
    await configureBucket({ ...target, bucket, corsOrigins });
  }
  s3 = new S3Client(s3ClientConfig(target));
}, 180_000);

afterAll(async () => {
  s3?.destroy();
  await ceph?.stop();
}, 60_000);

const key = (name: string) => `tests/${runId}/${name}`;

describe("bucket configuration", () => {
  it("exists with CORS exposing ETag and a lifecycle rule aborting incomplete multipart uploads", async () => {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    const cors = await s3.send(new GetBucketCorsCommand({ Bucket: bucket }));
    const rule = cors.CORSRules?.find((r) => r.AllowedOrigins?.includes(ORIGIN));
    expect(rule).toBeDefined();
    expect(rule!.ExposeHeaders).toContain("ETag");
    expect(rule!.AllowedMethods).toEqual(expect.arrayContaining(["PUT", "GET", "HEAD"]));
    const lc = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
    const abort = lc.Rules?.find((r) => r.AbortIncompleteMultipartUpload?.DaysAfterInitiation);
    expect(abort?.Status).toBe("Enabled");
    expect(abort?.AbortIncompleteMultipartUpload?.DaysAfterInitiation).toBe(1);
  });

  it("is idempotent", async () => {
    await configureBucket({ ...target, bucket, corsOrigins });
    await configureBucket({ ...target, bucket, corsOrigins });
    const lc = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
    expect(lc.Rules).toHaveLength(1);
  });
});

describe("presigned PUT from a browser origin", () => {
  const body = Buffer.from("biblio presigned put body\n");
  const signPut = (k: string, length: number) =>
    getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: k, ContentType: "text/plain", ContentLength: length }), {
      expiresIn: 300,
      // Bind the declared size and type into the signature: a client cannot upload more.
      signableHeaders: new Set(["content-type", "content-length"]),
    });

  it("answers the CORS preflight", async () => {
    const url = await signPut(key("cors.txt"), body.length);
    const res = await fetch(url, {
      method: "OPTIONS",
      headers: { Origin: ORIGIN, "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "content-type" },
    });
    await res.arrayBuffer();
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toMatch(new RegExp(`^(\\*|${ORIGIN})$`));
    expect(res.headers.get("access-control-allow-methods")).toMatch(/PUT/);
    expect(res.headers.get("access-control-allow-headers")?.toLowerCase()).toMatch(/content-type|\*/);
  });

  it("rejects a preflight from an unlisted origin", async () => {
    const url = await signPut(key("cors-evil.txt"), body.length);
    const res = await fetch(url, {
      method: "OPTIONS",
      headers: { Origin: "http://evil.example", "Access-Control-Request-Method": "PUT" },
    });
    await res.arrayBuffer();
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("uploads with the signed type and length and exposes ETag to the origin", async () => {
    const k = key("cors.txt");
    const url = await signPut(k, body.length);
    expect(new URL(url).searchParams.get("X-Amz-SignedHeaders")).toMatch(/content-length/);
    const res = await fetch(url, { method: "PUT", body, headers: { "Content-Type": "text/plain", Origin: ORIGIN } });
    expect(res.status, await res.text()).toBe(200);
    expect(res.headers.get("etag")).toMatch(/^"?[0-9a-f]{32}"?$/);
    expect(res.headers.get("access-control-allow-origin")).toMatch(new RegExp(`^(\\*|${ORIGIN})$`));
    expect(res.headers.get("access-control-expose-headers")?.toLowerCase()).toContain("etag");
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: k }));
    expect(head.ContentLength).toBe(body.length);
    expect(head.ContentType).toBe("text/plain");
  });

  it("rejects a body whose length differs from the signed Content-Length", async () => {
    const k = key("wrong-length.txt");
    const url = await signPut(k, body.length - 1);
    const res = await fetch(url, { method: "PUT", body, headers: { "Content-Type": "text/plain" } });
    await res.arrayBuffer();
    expect(res.status).toBe(403);
    await expect(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: k }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  it("rejects a different Content-Type than the signed one", async () => {
    const url = await signPut(key("wrong-type.txt"), body.length);
    const res = await fetch(url, { method: "PUT", body, headers: { "Content-Type": "application/x-evil" } });
    await res.arrayBuffer();
    expect(res.status).toBe(403);
  });
});

describe("multipart upload with presigned part URLs", () => {
  const part1 = Buffer.alloc(5 * 1024 * 1024, 0x61); // every part but the last must be >= 5 MiB
  const part2 = Buffer.from("tail of the file\n");

  it("create, presigned UploadPart, ListParts, ListMultipartUploads, Complete", async () => {
    const k = key("big.bin");
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: k, ContentType: "application/octet-stream" }));
    expect(UploadId).toBeTruthy();

    const etags: string[] = [];
    for (const [i, part] of [part1, part2].entries()) {
      const url = await getSignedUrl(s3, new UploadPartCommand({ Bucket: bucket, Key: k, UploadId, PartNumber: i + 1, ContentLength: part.length }), {
        expiresIn: 300,
        signableHeaders: new Set(["content-length"]),
      });
      const res = await fetch(url, { method: "PUT", body: part, headers: { Origin: ORIGIN } });
      expect(res.status, await res.text()).toBe(200);
      expect(res.headers.get("access-control-expose-headers")?.toLowerCase()).toContain("etag");
      const etag = res.headers.get("etag");
      expect(etag).toBeTruthy();
      etags.push(etag!);
    }

    const parts = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: k, UploadId }));
    expect(parts.Parts?.map((p) => [p.PartNumber, p.Size])).toEqual([
      [1, part1.length],
      [2, part2.length],
    ]);
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: k }));
    expect(uploads.Uploads?.map((u) => u.UploadId)).toContain(UploadId);

    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: k,
        UploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: k }));
    expect(head.ContentLength).toBe(part1.length + part2.length);
    expect(head.ETag?.replace(/"/g, "")).toMatch(/^[0-9a-f]{32}-2$/);
    // RGW 16 returns the Complete ETag unquoted (AWS quotes it), and in some runs of this
    // suite returned it empty although HEAD has it: the app takes the ETag from HEAD.
    if (!done.ETag) console.warn("RGW returned an empty ETag from CompleteMultipartUpload");
    if (done.ETag) expect(done.ETag.replace(/"/g, "")).toBe(head.ETag!.replace(/"/g, ""));
    const after = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: k }));
    expect(after.Uploads ?? []).toHaveLength(0);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: k }));
  });

  it("abort removes the upload and its parts", async () => {
    const k = key("aborted.bin");
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: k }));
    await s3.send(new UploadPartCommand({ Bucket: bucket, Key: k, UploadId, PartNumber: 1, Body: part2 }));
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: k, UploadId }));
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: k }));
    expect(uploads.Uploads ?? []).toHaveLength(0);
    // AWS answers NoSuchUpload; RGW 16 answers NoSuchKey. Treat both as "upload gone".
    await expect(s3.send(new ListPartsCommand({ Bucket: bucket, Key: k, UploadId }))).rejects.toMatchObject({
      name: expect.stringMatching(/^NoSuch(Upload|Key)$/),
    });
  });
});

// Topics are Ceph's SNS-style API: run wherever the store is the local Ceph, shared or not.
describe.skipIf(external && !/^http:\/\/(127\.0\.0\.1|localhost):/.test(target.endpoint))("event notifications (Ceph RGW topics)", () => {
  it("a persistent topic (what setup configures) never holds the PUT on a push endpoint that does not answer, and delivers once it does", async () => {
    // The endpoint stands in for a paused QStash: it accepts the push and never answers.
    let answering = false;
    const held = new Set<http.ServerResponse>();
    let abortedPushes = 0;
    const received: string[] = [];
    const server = http.createServer((req, res) => {
      let data = "";
      req.on("data", (c) => (data += c));
      req.on("end", () => {
        if (!answering) {
          held.add(res);
          res.on("close", () => {
            if (held.delete(res)) abortedPushes++;
          });
          return;
        }
        for (const r of JSON.parse(data).Records ?? []) received.push(decodeURIComponent(r.s3.object.key));
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    try {
      await configureNotifications({
        ...target,
        bucket,
        topicName: "biblio-test-persistent",
        pushEndpoint: `http://127.0.0.1:${port}/events`,
        persistent: true,
      });
      const k = key("persistent.txt");
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: k, Body: "hi" }));
      // An inline (non-persistent) push would have had to be torn down by RGW before the PUT could answer.
      expect(abortedPushes).toBe(0);
      expect(received).toHaveLength(0);
      answering = true;
      for (const res of [...held]) {
        held.delete(res);
        res.destroy();
      }
      // RGW picks a new persistent queue up within ~30 s, then retries until the endpoint answers.
      const deadline = Date.now() + 90_000;
      while (!received.includes(k) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(received).toContain(k);
    } finally {
      await removeNotifications({ ...target, bucket });
      server.closeAllConnections();
      server.close();
    }
  }, 120_000);

  it("POSTs an ObjectCreated record to the push endpoint", async () => {
    const received: { at: number; body: any }[] = [];
    const server = http.createServer((req, res) => {
      let data = "";
      req.on("data", (c) => (data += c));
      req.on("end", () => {
        received.push({ at: Date.now(), body: JSON.parse(data) });
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    try {
      const notify = { ...target, bucket, topicName: "biblio-test-events", pushEndpoint: `http://127.0.0.1:${port}/events`, persistent: false };
      const arn = await configureNotifications(notify);
      expect(await configureNotifications(notify)).toBe(arn);

      const k = key("notified.txt");
      const t0 = Date.now();
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: k, Body: "hi" }));
      while (!received.some((r) => r.body.Records?.[0]?.s3?.object?.key === k) && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 5));
      const ev = received.find((r) => r.body.Records?.[0]?.s3?.object?.key === k);
      expect(ev, "no notification within 10 s").toBeDefined();
      console.log(`notification delivered ${ev!.at - t0} ms after PUT start`);
      const rec = ev!.body.Records[0];
      expect(rec.eventName).toBe("ObjectCreated:Put");
      expect(rec.s3.bucket.name).toBe(bucket);
      expect(rec.s3.object.size).toBe(2);
    } finally {
      // A notification left pointing at a closed port makes later PUTs wait on RGW's
      // push attempt (seen: 30 s), so remove it before the server goes away.
      await removeNotifications({ ...target, bucket });
      const left = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
      expect(left.TopicConfigurations ?? []).toHaveLength(0);
      server.close();
      server.closeAllConnections();
    }
  });
});
