import { randomUUID } from "node:crypto";
import { ListMultipartUploadsCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { Client } from "@upstash/qstash";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import * as storageEventsRoute from "@/app/api/storage-events/route";
import * as completeRoute from "@/app/api/uploads/[id]/complete/route";
import * as partsRoute from "@/app/api/uploads/[id]/parts/route";
import * as uploadsRoute from "@/app/api/uploads/route";
import { getDb } from "@/lib/db/client";
import { getOrphan } from "@/lib/db/queries/storage-orphans";
import { getSweepRun, setCursor } from "@/lib/db/queries/sweep";
import { getUploadById, listUploadEvents, transitionUpload } from "@/lib/db/queries/uploads";
import { getEnv } from "@/lib/env";
import { publishUpload } from "@/lib/pipeline/confirm-upload";
import { replaceQstashClient } from "@/lib/queue/qstash-client";
import { getBucket, getS3 } from "@/lib/storage/s3-client";
import { runPoll } from "@/lib/sweep/run-poll";
import { runSweep } from "@/lib/sweep/run-sweep";
import { QSTASH_DEV_USER } from "../../dev/stack/local-defaults";
import { createTestUser, type TestUser } from "../helpers/auth";
import { callRoute } from "../helpers/requests";
import { type Harness, startHarness, waitFor, waitForQuiet } from "../helpers/trigger-harness";
import { overrideTriggers } from "../helpers/trigger-override";

// A PNG signature and the IHDR chunk header: enough for the type detector.
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, ...new Array(200).fill(7)]);
const SECRET = "s".repeat(40);
const ALL = ["client", "storage-event", "sweep"] as const;

let h: Harness;
let owner: TestUser;

beforeAll(async () => {
  process.env.STORAGE_EVENT_SECRET = SECRET;
  h = await startHarness({ bucket: "biblio-nets-test", topicName: "biblio-nets-test" });
  owner = await createTestUser({ plan: "pro" });
  await h.enableNotifications();
});

afterAll(async () => {
  overrideTriggers(undefined);
  await h?.stop();
});

beforeEach(() => overrideTriggers(ALL));

async function createSingle() {
  const res = await callRoute(uploadsRoute.POST, {
    method: "POST",
    cookie: owner.cookie,
    body: {
      projectId: owner.projectId,
      name: "pic.png",
      type: "image/png",
      size: PNG.length,
      options: { checksum: true, sniff: false, probe: true, thumbnail: false, storyboard: false },
    },
  });
  expect(res.status).toBe(201);
  return res.body as { upload: { id: string; key: string }; put: { url: string; headers: Record<string, string> } };
}

async function put(created: { put: { url: string; headers: Record<string, string> } }) {
  const res = await fetch(created.put.url, { method: "PUT", headers: created.put.headers, body: PNG });
  expect(res.status).toBe(200);
}

const complete = (id: string) => callRoute(completeRoute.POST, { method: "POST", cookie: owner.cookie, params: { id }, body: {} });
const jobsFor = (id: string) => h.deliveries.filter((d) => d.path === "/api/jobs/process" && JSON.parse(d.body).uploadId === id);
const typesOf = async (id: string) => (await listUploadEvents(id)).map((e) => e.type);
const setDeadlinePast = (id: string) => getDb().execute(sql`update uploads set deadline_at = now() - interval '1 minute' where id = ${id}`);

describe("storage events", () => {
  it("processes a PUT that never calls /complete, with the full context at the worker", async () => {
    const created = await createSingle();
    await put(created);
    const row = await waitFor("queued", async () => {
      const r = await getUploadById(created.upload.id);
      return r?.status === "queued" && r;
    });
    expect(row.source).toBe("storage-event");
    const [job] = await waitFor("job delivery", async () => jobsFor(row.id).length > 0 && jobsFor(row.id));
    const payload = JSON.parse(job!.body);
    expect(payload).toMatchObject({
      uploadId: row.id,
      userId: owner.id,
      projectId: owner.projectId,
      plan: "pro",
      options: { checksum: true, sniff: false, probe: true, thumbnail: false, storyboard: false },
      confirmedBy: "storage-event",
      type: "image/png",
      size: PNG.length,
    });
  });

  it("rejects unsigned, forged and wrong-secret deliveries", async () => {
    const body = JSON.stringify({ Records: [] });
    const post = (headers: Record<string, string>) =>
      callRoute(storageEventsRoute.POST, { method: "POST", path: "/api/storage-events", rawBody: body, headers });
    expect((await post({})).status).toBe(401);
    expect((await post({ "x-biblio-storage-secret": `${"s".repeat(39)}t` })).status).toBe(401);
    expect((await post({ authorization: "Bearer nope" })).status).toBe(401);
    const forged = await post({ "upstash-signature": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.AAAA" });
    expect(forged.status).toBe(403);
    expect((await post({ authorization: `Basic ${Buffer.from(`sns:${SECRET}`).toString("base64")}` })).status).toBe(200);
  });

  it("records an unknown key as an orphan, answers 2xx once, and is not retried", async () => {
    const key = `uploads/upl_${randomUUID()}/stray.png`;
    await getS3().send(new PutObjectCommand({ Bucket: getBucket(), Key: key, Body: PNG }));
    const orphan = await waitFor("orphan", () => getOrphan(key));
    expect(orphan.size).toBe(PNG.length);
    // Settled: nothing in flight, due or waiting for a retry, so a retry would already be counted.
    await waitForQuiet(h);
    const hits = h.deliveries.filter((d) => d.path === "/api/storage-events" && d.body.includes(key) && d.body.includes("ObjectCreated"));
    expect(hits).toHaveLength(1);
  });

  it("accepts the shared secret with AWS, SNS and EventBridge shapes", async () => {
    const key = `uploads/upl_${randomUUID()}/aws.png`;
    const aws = {
      Records: [
        {
          eventSource: "aws:s3",
          eventName: "ObjectCreated:Put",
          awsRegion: "eu-west-1",
          s3: { bucket: { name: getBucket() }, object: { key, size: 3, eTag: "abc" } },
        },
      ],
    };
    const sns = { Type: "Notification", Message: JSON.stringify(aws), TopicArn: "arn:aws:sns:eu-west-1:1:t" };
    const bridge = {
      "detail-type": "Object Created",
      source: "aws.s3",
      detail: { bucket: { name: getBucket() }, object: { key, size: 3, etag: "abc" }, reason: "PutObject" },
    };
    for (const body of [aws, sns, bridge]) {
      const res = await callRoute(storageEventsRoute.POST, {
        method: "POST",
        path: "/api/storage-events",
        body,
        headers: { "x-biblio-storage-secret": SECRET },
      });
      expect(res.status).toBe(200);
      expect(res.body.results).toEqual([{ key, outcome: "orphan" }]);
    }
    const sub = await callRoute(storageEventsRoute.POST, {
      method: "POST",
      path: "/api/storage-events",
      body: { Type: "SubscriptionConfirmation", SubscribeURL: "http://169.254.169.254/latest", TopicArn: "arn:x" },
      headers: { "x-biblio-storage-secret": SECRET },
    });
    expect(sub.body).toEqual({ subscription: "recorded", topicArn: "arn:x" });
    const junk = await callRoute(storageEventsRoute.POST, {
      method: "POST",
      path: "/api/storage-events",
      body: { hello: 1 },
      headers: { "x-biblio-storage-secret": SECRET },
    });
    expect(junk.status).toBe(422);
  });
});

describe("races", () => {
  it("/complete, the event and a sweep at once make exactly one job", async () => {
    const created = await createSingle();
    await put(created);
    await Promise.all([complete(created.upload.id), runSweep({ trigger: "manual" }), complete(created.upload.id)]);
    await waitFor("job", async () => jobsFor(created.upload.id).length > 0);
    await waitForQuiet(h);
    const types = await typesOf(created.upload.id);
    expect(types.filter((t) => t === "uploaded")).toHaveLength(1);
    expect(types.filter((t) => t === "queued")).toHaveLength(1);
    expect(jobsFor(created.upload.id)).toHaveLength(1);
  });

  it("a worker that claims the job before confirm records `queued` still leaves one queued event", async () => {
    overrideTriggers(["client"]);
    const created = await createSingle();
    await put(created);
    const pending = (await getUploadById(created.upload.id))!;
    const uploaded = (await transitionUpload({
      id: pending.id,
      from: ["pending"],
      to: "uploaded",
      set: { source: "client" },
      event: { type: "uploaded", source: "client" },
    }))!;
    // What a fast worker does between the publish and confirm's `uploaded → queued`.
    await transitionUpload({ id: pending.id, from: ["uploaded"], to: "processing", event: { type: "processing", source: "worker" } });
    const first = await publishUpload(uploaded);
    const again = await publishUpload(uploaded);
    expect([first.outcome, again.outcome]).toEqual(["queued", "queued"]);
    expect((await typesOf(pending.id)).filter((t) => t === "queued")).toHaveLength(1);
    expect((await getUploadById(pending.id))?.status).toBe("processing");
  });

  it("two sweeps at once: one runs, the other finds the lease taken", async () => {
    overrideTriggers(["sweep"]);
    const uploads = await Promise.all([createSingle(), createSingle(), createSingle()]);
    await Promise.all(uploads.map(put));
    const results = await Promise.all([runSweep({ trigger: "manual" }), runSweep({ trigger: "manual" })]);
    expect(results.map((r) => r.status).sort()).toEqual(["done", "locked"]);
    for (const u of uploads) {
      const types = await typesOf(u.upload.id);
      expect(types.filter((t) => t === "uploaded")).toHaveLength(1);
      expect((await getUploadById(u.upload.id))?.source).toBe("sweep");
    }
  });
});

describe("sweep", () => {
  it("with events and the client off, the next sweep processes the upload and records the run", async () => {
    overrideTriggers(["sweep"]);
    const created = await createSingle();
    await put(created);
    expect((await complete(created.upload.id)).body.upload.status).toBe("pending");
    // The storage event for this key was delivered (and ignored: that trigger is off) and QStash has settled.
    await waitFor("the storage event", async () => h.deliveries.some((d) => d.path === "/api/storage-events" && d.body.includes(created.upload.key)));
    await waitForQuiet(h);
    expect((await getUploadById(created.upload.id))?.status).toBe("pending");
    const result = await runSweep({ trigger: "manual" });
    expect(result.status).toBe("done");
    if (result.status === "locked") throw new Error("locked");
    expect(result.counts.recovered).toBeGreaterThanOrEqual(1);
    const row = await getUploadById(created.upload.id);
    expect(row?.status).toBe("queued");
    expect(row?.source).toBe("sweep");
    const run = await getSweepRun(result.runId);
    expect(run?.counts).toMatchObject(result.counts);
    expect(run?.duration_ms).toEqual(expect.any(Number));
  });

  it("expires an intent past its deadline whose bytes never came", async () => {
    const created = await createSingle();
    await setDeadlinePast(created.upload.id);
    const result = await runSweep({ trigger: "manual" });
    expect(result.status).toBe("done");
    expect((await getUploadById(created.upload.id))?.status).toBe("expired");
    expect(await typesOf(created.upload.id)).toContain("expired");
  });

  it("aborts an abandoned multipart upload: expired, and gone from ListMultipartUploads", async () => {
    const created = await callRoute(uploadsRoute.POST, {
      method: "POST",
      cookie: owner.cookie,
      body: { projectId: owner.projectId, name: "big.mp4", type: "video/mp4", size: 17 * 1024 * 1024 },
    });
    expect(created.body.strategy).toBe("multipart");
    const { upload, multipart } = created.body;
    const signed = await callRoute(partsRoute.POST, { method: "POST", cookie: owner.cookie, params: { id: upload.id }, body: { partNumbers: [1] } });
    const part = await fetch(signed.body.parts[0].url, { method: "PUT", body: new Uint8Array(multipart.partSize) });
    expect(part.status).toBe(200);
    // Let the delayed parts checks scheduled at create run out first (they find part 2 missing).
    await waitForQuiet(h);
    await setDeadlinePast(upload.id);
    const result = await runSweep({ trigger: "manual" });
    if (result.status === "locked") throw new Error("locked");
    expect(result.counts.aborted_multipart).toBeGreaterThanOrEqual(1);
    expect((await getUploadById(upload.id))?.status).toBe("expired");
    const open = await getS3().send(new ListMultipartUploadsCommand({ Bucket: getBucket(), Prefix: upload.key }));
    expect(open.Uploads ?? []).toHaveLength(0);
    expect(await typesOf(upload.id)).toEqual(expect.arrayContaining(["expired", "multipart_aborted"]));
  });

  it("re-publishes an upload whose publish failed (outbox)", async () => {
    overrideTriggers(["client", "sweep"]);
    const created = await createSingle();
    await put(created);
    replaceQstashClient(new Client({ baseUrl: h.qstash.url, token: "revoked-token", devMode: false, retry: false }));
    try {
      expect((await complete(created.upload.id)).body.upload.status).toBe("uploaded");
    } finally {
      replaceQstashClient(new Client({ baseUrl: h.qstash.url, token: QSTASH_DEV_USER.token, devMode: false }));
    }
    expect(await typesOf(created.upload.id)).toContain("publish_failed");
    // The outbox backs off after a failure; let the backoff run out.
    await getDb().execute(sql`update uploads set next_publish_at = now() where id = ${created.upload.id}`);
    const result = await runSweep({ trigger: "manual" });
    if (result.status === "locked") throw new Error("locked");
    expect(result.counts.republished).toBeGreaterThanOrEqual(1);
    expect((await getUploadById(created.upload.id))?.status).toBe("queued");
    await waitFor("job", async () => jobsFor(created.upload.id).length === 1);
  });
});

describe("poller", () => {
  it("confirms new objects from its cursor without re-listing old ones", async () => {
    overrideTriggers(["poll"]);
    // Start just before every upload id: other tests leave keys such as `uploads/<uuid>/…` in
    // the shared bucket, which sort before `uploads/upl_…` and stop the poller (a stray key
    // sorts anywhere, so it never moves past one; the sweep is the backstop for those).
    await setCursor(`poll:${getBucket()}`, "uploads/upl_");
    const first = await runPoll();
    expect(first.status).toBe("done");
    const uploads = await Promise.all([createSingle(), createSingle()]);
    await Promise.all(uploads.map(put));
    const second = await runPoll();
    if (second.status !== "done") throw new Error(second.status);
    expect(second.listed).toBe(2);
    expect(second.confirmed).toBe(2);
    for (const u of uploads) expect((await getUploadById(u.upload.id))?.source).toBe("poll");
    const idle = await runPoll();
    if (idle.status !== "done") throw new Error(idle.status);
    expect(idle).toMatchObject({ listed: 0, confirmed: 0, listCalls: 1 });
  });
});

it("uses the loopback app URL (signatures are checked against it)", () => {
  expect(getEnv().APP_URL).toBe(h.appUrl);
});
