// Recovery of jobs lost between confirm and the worker, and the narrower races of issue 13:
// stale `queued` and expired-lease `processing` rows, the outbox's backoff, admin replay of
// stuck uploads, late failure callbacks, a ranged GET that lags its HEAD, /complete's answer
// whoever wins, bytes that land after a row ended, and cleanup that stays inside the prefix.
import { randomUUID } from "node:crypto";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { Client } from "@upstash/qstash";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import * as republishRoute from "@/app/api/admin/outbox/republish/route";
import * as completeRoute from "@/app/api/uploads/[id]/complete/route";
import * as uploadsRoute from "@/app/api/uploads/route";
import { cancelUpload } from "@/lib/admin/cancel-upload";
import { cleanupOrphans } from "@/lib/admin/cleanup-orphans";
import { countFailingPublishes } from "@/lib/admin/republish-outbox";
import { getDb } from "@/lib/db/client";
import { recordOrphans } from "@/lib/db/queries/storage-orphans";
import { setCursor } from "@/lib/db/queries/sweep";
import { getUploadById, listUploadEvents, transitionUpload } from "@/lib/db/queries/uploads";
import { handleFailureCallback } from "@/lib/jobs/handle-failure-callback";
import { replayUpload } from "@/lib/jobs/replay-upload";
import { confirmUpload, jobPayloadFor } from "@/lib/pipeline/confirm-upload";
import { replaceQstashClient } from "@/lib/queue/qstash-client";
import { headObject } from "@/lib/storage/objects";
import { getBucket, getS3 } from "@/lib/storage/s3-client";
import { runSweep } from "@/lib/sweep/run-sweep";
import { QSTASH_DEV_USER } from "../../dev/stack/local-defaults";
import { createTestUser, type TestUser } from "../helpers/auth";
import { callRoute } from "../helpers/requests";
import { type Harness, startHarness, waitFor, waitForQuiet } from "../helpers/trigger-harness";
import { overrideTriggers } from "../helpers/trigger-override";

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, ...new Array(200).fill(7)]);
const TEXT = new TextEncoder().encode("this is plain text, not a picture at all ".repeat(8));

let h: Harness;
let owner: TestUser;
let admin: TestUser;

beforeAll(async () => {
  h = await startHarness({ bucket: "biblio-recovery-jobs", topicName: "biblio-recovery-jobs" });
  [owner, admin] = await Promise.all([createTestUser({ plan: "pro" }), createTestUser({ role: "admin" })]);
});

afterAll(async () => {
  overrideTriggers(undefined);
  await h?.stop();
});

beforeEach(() => overrideTriggers(["client", "sweep"]));

const goodClient = () => new Client({ baseUrl: h.qstash.url, token: QSTASH_DEV_USER.token, devMode: false });
const revokedClient = () => new Client({ baseUrl: h.qstash.url, token: "revoked-token", devMode: false, retry: false });

async function withRevokedQstash<T>(fn: () => Promise<T>): Promise<T> {
  replaceQstashClient(revokedClient());
  try {
    return await fn();
  } finally {
    replaceQstashClient(goodClient());
  }
}

async function createAndPut(body: Uint8Array<ArrayBuffer> = PNG) {
  const res = await callRoute(uploadsRoute.POST, {
    method: "POST",
    cookie: owner.cookie,
    body: { projectId: owner.projectId, name: "pic.png", type: "image/png", size: body.length },
  });
  expect(res.status).toBe(201);
  const put = await fetch(res.body.put.url, { method: "PUT", headers: res.body.put.headers, body });
  expect(put.status).toBe(200);
  return res.body.upload as { id: string; key: string };
}

const complete = (id: string) => callRoute(completeRoute.POST, { method: "POST", cookie: owner.cookie, params: { id }, body: {} });
const jobsFor = (id: string) => h.deliveries.filter((d) => d.path === "/api/jobs/process" && JSON.parse(d.body).uploadId === id);
const eventsOf = (id: string) => listUploadEvents(id);

/** An upload whose job was published and delivered (this harness's stand-in worker leaves it `queued`). */
async function deliveredUpload() {
  const u = await createAndPut();
  expect((await complete(u.id)).status).toBe(200);
  await waitFor("the job delivery", async () => jobsFor(u.id).length === 1);
  await waitForQuiet(h);
  return (await getUploadById(u.id))!;
}

describe("sweep takes over lost jobs", () => {
  it("re-publishes a stale `queued` row whose message QStash no longer holds, under a fresh dedup id, and says why", async () => {
    const row = await deliveredUpload();
    expect(row.status).toBe("queued");
    await getDb().execute(sql`update uploads set queued_at = now() - interval '10 minutes' where id = ${row.id}`);
    const result = await runSweep({ trigger: "manual" });
    if (result.status === "locked") throw new Error("locked");
    expect(result.counts.requeued).toBeGreaterThanOrEqual(1);
    const after = (await getUploadById(row.id))!;
    expect(after.status).toBe("queued");
    // A bare upload-id dedup id would have been handed back the old message id.
    expect(after.qstashMessageId).not.toBe(row.qstashMessageId);
    const requeued = (await eventsOf(row.id)).find((e) => e.type === "requeued");
    expect(requeued?.source).toBe("sweep");
    expect(requeued?.detail).toMatchObject({ previousMessageId: row.qstashMessageId, messageId: after.qstashMessageId, was: "queued" });
    expect(String(requeued?.detail?.reason)).toContain("QStash no longer holds");
    await waitFor("the new job delivery", async () => jobsFor(row.id).length === 2);
  });

  it("takes over a `processing` row whose lease ran out and whose message is gone (a dead worker, a callback that never came)", async () => {
    const row = await deliveredUpload();
    // Millisecond-exact, as the worker writes its leases (they round-trip through JS Dates as fencing tokens).
    await getDb().execute(
      sql`update uploads set status = 'processing', lease_until = date_trunc('milliseconds', now() - interval '5 minutes') where id = ${row.id}`,
    );
    await runSweep({ trigger: "manual" });
    const after = (await getUploadById(row.id))!;
    expect(after.status).toBe("queued");
    expect(after.leaseUntil).toBeNull();
    expect((await eventsOf(row.id)).find((e) => e.type === "requeued")?.detail).toMatchObject({ was: "processing" });
    await waitFor("the new job delivery", async () => jobsFor(row.id).length === 2);
  });

  it("leaves a `processing` row with a live lease to its worker", async () => {
    const row = await deliveredUpload();
    await getDb().execute(sql`update uploads set status = 'processing', lease_until = now() + interval '5 minutes' where id = ${row.id}`);
    await runSweep({ trigger: "manual" });
    expect((await getUploadById(row.id))?.status).toBe("processing");
    expect((await eventsOf(row.id)).map((e) => e.type)).not.toContain("requeued");
  });
});

describe("outbox", () => {
  it("backs off after a failed publish, then keeps retrying past any attempt count", async () => {
    const u = await createAndPut();
    const res = await withRevokedQstash(() => complete(u.id));
    expect(res.body.upload.status).toBe("uploaded");
    const failed = (await getUploadById(u.id))!;
    expect(failed.publishAttempts).toBe(1);
    expect(failed.nextPublishAt!.getTime()).toBeGreaterThan(Date.now());
    // Within the backoff the sweep leaves it (the run is over when runSweep returns).
    await runSweep({ trigger: "manual", outboxSettleMs: 0 });
    expect((await getUploadById(u.id))?.status).toBe("uploaded");
    // Many failures later (the old code stopped at 10 for good), once due, it is published.
    await getDb().execute(sql`update uploads set publish_attempts = 25, next_publish_at = now() - interval '1 second' where id = ${u.id}`);
    const result = await runSweep({ trigger: "manual" });
    if (result.status === "locked") throw new Error("locked");
    expect((await getUploadById(u.id))?.status).toBe("queued");
    await waitFor("the job delivery", async () => jobsFor(u.id).length === 1);
  });

  it("counts uploads still failing to publish, and the admin's one click republishes them", async () => {
    const u = await createAndPut();
    await withRevokedQstash(() => complete(u.id));
    const before = await countFailingPublishes();
    await getDb().execute(sql`update uploads set publish_attempts = 12, next_publish_at = now() + interval '1 hour' where id = ${u.id}`);
    expect(await countFailingPublishes()).toBe(before + 1);
    const res = await callRoute(republishRoute.POST, { method: "POST", cookie: admin.cookie, path: "/api/admin/outbox/republish" });
    expect(res.status).toBe(200);
    expect(res.body.queued).toBeGreaterThanOrEqual(1);
    expect((await getUploadById(u.id))?.status).toBe("queued");
    expect(await countFailingPublishes()).toBeLessThanOrEqual(before);
  });
});

describe("admin replay", () => {
  it("replays an upload stuck in `queued`, not only failed ones", async () => {
    const row = await deliveredUpload();
    const out = await replayUpload(row.id, { actorId: admin.id });
    expect(out.messageId).not.toBeNull();
    expect(out.messageId).not.toBe(row.qstashMessageId);
    expect((await eventsOf(row.id)).find((e) => e.type === "replay_requested")?.detail).toMatchObject({
      was: "queued",
      previousMessageId: row.qstashMessageId,
    });
    await waitFor("the replayed job", async () => jobsFor(row.id).length === 2);
  });

  it("refuses a `processing` upload whose worker still holds a live lease", async () => {
    const row = await deliveredUpload();
    await getDb().execute(sql`update uploads set status = 'processing', lease_until = now() + interval '5 minutes' where id = ${row.id}`);
    await expect(replayUpload(row.id)).rejects.toMatchObject({ status: 409 });
  });

  it("cancels an upload stuck in `queued`: aborted, its bytes deleted, a later delivery finds nothing to do", async () => {
    const row = await deliveredUpload();
    const out = await cancelUpload(row.id, "aborted", { id: admin.id, email: admin.email });
    expect(out).toMatchObject({ status: "aborted", objectDeleted: true });
    expect(await headObject(row.storageKey)).toBeNull();
    expect((await eventsOf(row.id)).find((e) => e.type === "aborted")?.detail).toMatchObject({ was: "queued", previousMessageId: row.qstashMessageId });
    await expect(cancelUpload(row.id, "aborted", { id: admin.id, email: admin.email })).rejects.toMatchObject({ status: 409 });
  });

  it("a late failure callback for the old message does not fail the replay", async () => {
    const row = await deliveredUpload();
    const oldMessage = row.qstashMessageId!;
    await transitionUpload({ id: row.id, from: ["queued"], to: "failed", set: { failureReason: "boom" }, event: { type: "failed", source: "test" } });
    // The replay's publish fails: the row is `uploaded` with no message id, for the outbox.
    const replay = await withRevokedQstash(() => replayUpload(row.id));
    expect(replay.messageId).toBeNull();
    const cb = await handleFailureCallback({
      status: 500,
      retried: 5,
      sourceMessageId: oldMessage,
      sourceBody: Buffer.from(JSON.stringify(jobPayloadFor(row))).toString("base64"),
      dlqId: `dlq-${randomUUID()}`,
    });
    expect(cb.status).toBe("ignored");
    expect((await getUploadById(row.id))?.status).toBe("uploaded");
  });
});

describe("confirm and /complete", () => {
  it("a HEAD that succeeds while the ranged GET 404s is retried later, never rejected and deleted", async () => {
    const u = await createAndPut();
    const s3 = getS3();
    // Fault injection into the real client: this key's GETs answer 404, as a lagging replica would.
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { Key?: string };
        if (context.commandName === "GetObjectCommand" && input.Key === u.key) {
          throw Object.assign(new Error("The specified key does not exist."), { name: "NoSuchKey", $metadata: { httpStatusCode: 404 } });
        }
        return next(args);
      },
      { step: "initialize", name: "h1-lagging-get" },
    );
    let res: Awaited<ReturnType<typeof complete>>;
    try {
      res = await complete(u.id);
    } finally {
      s3.middlewareStack.remove("h1-lagging-get");
    }
    expect(res.status).toBe(503);
    expect((await getUploadById(u.id))?.status).toBe("pending");
    expect((await headObject(u.key))?.size).toBe(PNG.length);
    const again = await complete(u.id);
    expect(again.status).toBe(200);
    expect(again.body.upload.status).toBe("queued");
  });

  it("a rejected upload gets the same 422 with the reason whichever trigger rejected it first", async () => {
    const uploads = await Promise.all(Array.from({ length: 8 }, () => createAndPut(TEXT)));
    const answers = await Promise.all(
      uploads.map(async (u) => {
        const row = (await getUploadById(u.id))!;
        const [res] = await Promise.all([complete(u.id), confirmUpload(row, "storage-event").catch(() => null)]);
        return res;
      }),
    );
    for (const [i, res] of answers.entries()) {
      const row = (await getUploadById(uploads[i]!.id))!;
      expect(row.status).toBe("rejected");
      expect(res.status).toBe(422);
      expect(res.body.error.details.status).toBe("rejected");
      expect(res.body.error.message).toBe(row.rejectReason);
    }
  });
});

describe("bytes and keys", () => {
  it("the sweep deletes bytes that land after an upload was cancelled", async () => {
    const res = await callRoute(uploadsRoute.POST, {
      method: "POST",
      cookie: owner.cookie,
      body: { projectId: owner.projectId, name: "late.png", type: "image/png", size: PNG.length },
    });
    const u = res.body.upload as { id: string; key: string };
    await transitionUpload({ id: u.id, from: ["pending"], to: "aborted", event: { type: "aborted", source: "client" } });
    await getS3().send(new PutObjectCommand({ Bucket: getBucket(), Key: u.key, Body: PNG }));
    await setCursor(`sweep:objects:${getBucket()}`, null);
    const result = await runSweep({ trigger: "manual" });
    if (result.status === "locked") throw new Error("locked");
    expect(result.counts.late_bytes_deleted).toBeGreaterThanOrEqual(1);
    expect(await headObject(u.key)).toBeNull();
    expect((await eventsOf(u.id)).map((e) => e.type)).toContain("late_bytes_deleted");
  });

  it("orphan cleanup never deletes a key outside the app's prefix", async () => {
    const key = `elsewhere/${randomUUID()}.png`;
    await getS3().send(new PutObjectCommand({ Bucket: getBucket(), Key: key, Body: PNG }));
    await recordOrphans([{ key, size: PNG.length, etag: null }]);
    await cleanupOrphans();
    expect((await headObject(key))?.size).toBe(PNG.length);
  });
});

describe("racing re-publishes of a confirmed upload", () => {
  /** A row confirmed (`uploaded`) whose publish has not happened yet, as another trigger sees it mid-publish. */
  async function confirmedNotPublished() {
    const u = await createAndPut();
    const row = await transitionUpload({
      id: u.id,
      from: ["pending"],
      to: "uploaded",
      set: { source: "client", realType: "image/png", realSize: PNG.length },
      event: { type: "uploaded", source: "client", detail: { size: PNG.length } },
    });
    expect(row?.status).toBe("uploaded");
    return row!;
  }

  it("two triggers that find the row `uploaded` at once make one job, not two", async () => {
    const row = await confirmedNotPublished();
    const outs = await Promise.all([confirmUpload(row, "client"), confirmUpload(row, "storage-event")]);
    expect(outs.map((o) => o.outcome).sort()).toEqual(["queued", "unchanged"]);
    await waitFor("the job delivery", async () => jobsFor(row.id).length >= 1);
    await waitForQuiet(h);
    expect(jobsFor(row.id)).toHaveLength(1);
  });

  it("after a failed publish, racing retries still make one job", async () => {
    const row = await confirmedNotPublished();
    const failed = await withRevokedQstash(() => confirmUpload(row, "client"));
    expect(failed.outcome).toBe("uploaded");
    const after = (await getUploadById(row.id))!;
    expect(after.publishAttempts).toBe(1);
    await Promise.all([confirmUpload(after, "client"), confirmUpload(after, "sweep")]);
    await waitFor("the job delivery", async () => jobsFor(row.id).length >= 1);
    await waitForQuiet(h);
    expect(jobsFor(row.id)).toHaveLength(1);
  });
});
