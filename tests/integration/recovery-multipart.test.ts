// Recovery of multipart uploads whose client vanished after its last byte (issue 13):
// no storage event fires until someone completes the upload, so the server must.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ListMultipartUploadsCommand, UploadPartCommand } from "@aws-sdk/client-s3";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import * as completeRoute from "@/app/api/uploads/[id]/complete/route";
import * as partsRoute from "@/app/api/uploads/[id]/parts/route";
import * as uploadsRoute from "@/app/api/uploads/route";
import { getDb } from "@/lib/db/client";
import { claimMultipartCompletion, getUploadById, listUploadEvents } from "@/lib/db/queries/uploads";
import { completeMultipart, headObject, listAllParts } from "@/lib/storage/objects";
import { getBucket, getS3 } from "@/lib/storage/s3-client";
import { runSweep } from "@/lib/sweep/run-sweep";
import { partCountFor, partSizeFor } from "@/lib/uploads/part-size";
import { createTestUser, type TestUser } from "../helpers/auth";
import { callRoute } from "../helpers/requests";
import { type Harness, startHarness, waitFor, waitForQuiet } from "../helpers/trigger-harness";
import { overrideTriggers } from "../helpers/trigger-override";

const SIZE = 17 * 1024 * 1024;
/** A real MP4 header (so type detection passes) padded to the declared size. */
const BYTES = (() => {
  const out = new Uint8Array(SIZE);
  out.set(readFileSync(join(import.meta.dirname, "../fixtures/sample.mp4")));
  return out;
})();

let h: Harness;
let owner: TestUser;

beforeAll(async () => {
  h = await startHarness({ bucket: "biblio-recovery-mp", topicName: "biblio-recovery-mp" });
  owner = await createTestUser({ plan: "pro" });
});

afterAll(async () => {
  overrideTriggers(undefined);
  await h?.stop();
});

beforeEach(() => overrideTriggers(["client", "storage-event", "sweep"]));

type Created = { upload: { id: string; key: string }; multipart: { uploadId: string; partSize: number; partCount: number } };

async function createMultipart(): Promise<Created> {
  const res = await callRoute(uploadsRoute.POST, {
    method: "POST",
    cookie: owner.cookie,
    body: { projectId: owner.projectId, name: "clip.mp4", type: "video/mp4", size: SIZE },
  });
  expect(res.status).toBe(201);
  expect(res.body.strategy).toBe("multipart");
  // Create scheduled a delayed parts check (its first URLs include the last part). Let that
  // chain run out while no part is stored, so what follows is decided by the step under test.
  await waitForQuiet(h);
  return res.body as Created;
}

/** Signs and sends parts, as a browser would; returns the part numbers sent. */
async function sendParts(c: Created, numbers: number[]) {
  const partSize = partSizeFor(SIZE);
  const signed = await callRoute(partsRoute.POST, { method: "POST", cookie: owner.cookie, params: { id: c.upload.id }, body: { partNumbers: numbers } });
  expect(signed.status).toBe(200);
  for (const p of signed.body.parts as { partNumber: number; url: string; headers?: Record<string, string> }[]) {
    const body = BYTES.subarray((p.partNumber - 1) * partSize, Math.min(SIZE, p.partNumber * partSize));
    const res = await fetch(p.url, { method: "PUT", headers: p.headers, body });
    expect(res.status).toBe(200);
  }
}

/** Stores the last part through the SDK rather than a signed URL, so signing schedules no check. */
async function storeLastPartDirectly(c: Created) {
  const partSize = partSizeFor(SIZE);
  const last = partCountFor(SIZE);
  await getS3().send(
    new UploadPartCommand({
      Bucket: getBucket(),
      Key: c.upload.key,
      UploadId: c.multipart.uploadId,
      PartNumber: last,
      Body: BYTES.subarray((last - 1) * partSize),
    }),
  );
}

const allParts = () => Array.from({ length: partCountFor(SIZE) }, (_, i) => i + 1);
const typesOf = async (id: string) => (await listUploadEvents(id)).map((e) => e.type);
const openSessions = async (key: string) => (await getS3().send(new ListMultipartUploadsCommand({ Bucket: getBucket(), Prefix: key }))).Uploads ?? [];

describe("multipart upload whose client vanished after the last byte", () => {
  it("the sweep completes it from ListParts and confirms it (source sweep); a later /complete is an idempotent 200", async () => {
    const c = await createMultipart();
    await sendParts(c, allParts().slice(0, -1));
    // The last part goes in without a signing call, so no delayed check is scheduled: the sweep alone must notice.
    await storeLastPartDirectly(c);
    expect((await getUploadById(c.upload.id))?.status).toBe("pending");
    const result = await runSweep({ trigger: "manual", multipartRecheckMs: 0 });
    if (result.status === "locked") throw new Error("locked");
    expect(result.counts.multipart_completed).toBeGreaterThanOrEqual(1);
    const done = await getUploadById(c.upload.id);
    expect(done?.status).toBe("queued");
    expect(done?.source).toBe("sweep");
    expect(done?.realSize).toBe(SIZE);
    expect(await typesOf(c.upload.id)).toEqual(expect.arrayContaining(["multipart_completed", "uploaded", "queued"]));
    expect((await headObject(c.upload.key))?.size).toBe(SIZE);
    expect(await openSessions(c.upload.key)).toHaveLength(0);

    const again = await callRoute(completeRoute.POST, { method: "POST", cookie: owner.cookie, params: { id: c.upload.id }, body: {} });
    expect(again.status).toBe(200);
    expect(again.body.upload.status).toBe("queued");
    expect((await getUploadById(c.upload.id))?.source).toBe("sweep");
  });

  it("signing the last part schedules a delayed check that completes and confirms it with no sweep at all", async () => {
    const c = await createMultipart();
    // The parts are stored first, then the last part's URL is signed (again): the check
    // that signing schedules is what must finish the upload, so no sweep runs here.
    await sendParts(c, allParts().slice(0, -1));
    await storeLastPartDirectly(c);
    const last = partCountFor(SIZE);
    expect((await getUploadById(c.upload.id))?.status).toBe("pending");
    const signed = await callRoute(partsRoute.POST, { method: "POST", cookie: owner.cookie, params: { id: c.upload.id }, body: { partNumbers: [last] } });
    expect(signed.status).toBe(200);
    const row = await waitFor("the check to confirm it", async () => {
      const r = await getUploadById(c.upload.id);
      return r?.status === "queued" && r;
    });
    expect(row.source).toBe("sweep");
    expect(h.deliveries.some((d) => d.path === "/api/uploads/check" && d.body.includes(c.upload.id))).toBe(true);
    expect(await typesOf(c.upload.id)).toContain("multipart_completed");
  });

  it("at its deadline, an upload whose parts all arrived is completed, not aborted", async () => {
    const c = await createMultipart();
    await sendParts(c, allParts());
    await waitForQuiet(h);
    await getDb().execute(sql`update uploads set deadline_at = now() - interval '1 minute' where id = ${c.upload.id} and status = 'pending'`);
    await runSweep({ trigger: "manual", multipartRecheckMs: 0 });
    const row = await getUploadById(c.upload.id);
    expect(row?.status).toBe("queued");
    expect((await headObject(c.upload.key))?.size).toBe(SIZE);
  });

  it("at its deadline, an upload whose parts do not add up is expired and its parts aborted", async () => {
    const c = await createMultipart();
    await sendParts(c, [1, 2]);
    await waitForQuiet(h);
    await getDb().execute(sql`update uploads set deadline_at = now() - interval '1 minute' where id = ${c.upload.id}`);
    const result = await runSweep({ trigger: "manual", multipartRecheckMs: 0 });
    if (result.status === "locked") throw new Error("locked");
    expect(result.counts.aborted_multipart).toBeGreaterThanOrEqual(1);
    expect((await getUploadById(c.upload.id))?.status).toBe("expired");
    expect(await openSessions(c.upload.key)).toHaveLength(0);
    expect(await headObject(c.upload.key)).toBeNull();
  });

  it("before the deadline, missing parts leave the upload pending (ListParts is not authoritative mid-transfer)", async () => {
    const c = await createMultipart();
    await sendParts(c, [1, 2, 3]);
    await waitForQuiet(h);
    const result = await runSweep({ trigger: "manual", multipartRecheckMs: 0 });
    if (result.status === "locked") throw new Error("locked");
    expect((await getUploadById(c.upload.id))?.status).toBe("pending");
    expect((await listAllParts(c.upload.key, c.multipart.uploadId)).map((p) => p.partNumber)).toEqual([1, 2, 3]);
  });
});

describe("honest source", () => {
  it("a multipart upload the client completed is `client` even when its own completion's storage event confirms first", async () => {
    await h.enableNotifications();
    const c = await createMultipart();
    await sendParts(c, allParts().slice(0, -1));
    await storeLastPartDirectly(c);
    // What /complete does, with its confirm step held back so the event certainly wins:
    // say who completes it, then complete it.
    const parts = await listAllParts(c.upload.key, c.multipart.uploadId);
    await claimMultipartCompletion(c.upload.id, "client");
    await completeMultipart(c.upload.key, c.multipart.uploadId, parts);
    const row = await waitFor("the storage event to confirm it", async () => {
      const r = await getUploadById(c.upload.id);
      return r?.status === "queued" && r;
    });
    expect(row.source).toBe("client");
    const uploaded = (await listUploadEvents(c.upload.id)).find((e) => e.type === "uploaded");
    expect(uploaded?.source).toBe("client");
    expect(uploaded?.detail).toMatchObject({ noticedBy: "storage-event" });
    // The client's /complete that follows is a plain 200.
    const res = await callRoute(completeRoute.POST, { method: "POST", cookie: owner.cookie, params: { id: c.upload.id }, body: {} });
    expect(res.status).toBe(200);
    expect((await getUploadById(c.upload.id))?.source).toBe("client");
  });
});
