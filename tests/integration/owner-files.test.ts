import { createHash } from "node:crypto";
import { ListMultipartUploadsCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as storageEventsRoute from "@/app/api/storage-events/route";
import * as completeRoute from "@/app/api/uploads/[id]/complete/route";
import * as deleteRoute from "@/app/api/uploads/[id]/delete/route";
import * as fileRoute from "@/app/api/uploads/[id]/file/route";
import * as bulkDeleteRoute from "@/app/api/uploads/delete/route";
import * as uploadsRoute from "@/app/api/uploads/route";
import { getDb } from "@/lib/db/client";
import { getStoredBytes, recountStoredBytes } from "@/lib/db/queries/storage-usage";
import { getUploadById, listUploadEvents, transitionUpload } from "@/lib/db/queries/uploads";
import { adminAudit, type DerivedKind, derivedFiles, projectMembers, uploads } from "@/lib/db/schema";
import { processJob } from "@/lib/jobs/process-job";
import { jobPayloadFor } from "@/lib/pipeline/confirm-upload";
import { PLANS } from "@/lib/plans/plans";
import { headObject } from "@/lib/storage/objects";
import { getBucket, getS3 } from "@/lib/storage/s3-client";
import { runSweep } from "@/lib/sweep/run-sweep";
import { newUploadId } from "@/lib/uploads/upload-id";
import { getStorageUsage } from "@/lib/uploads/usage-storage";
import { createTestUser, type TestUser } from "../helpers/auth";
import { callRoute } from "../helpers/requests";
import { storedUpload } from "../helpers/stored-upload";
import { type Harness, startHarness } from "../helpers/trigger-harness";

const SECRET = "d".repeat(40);
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

let owner: TestUser;
let member: TestUser;
let stranger: TestUser;
let h: Harness;

beforeAll(async () => {
  process.env.STORAGE_EVENT_SECRET = SECRET;
  // A bucket of its own, with no notification topic: the sweep here deletes late bytes with
  // DeleteObjects, which aborts Ceph 16.2's radosgw on a bucket with a persistent topic.
  h = await startHarness({ bucket: "biblio-owner-files", topicName: "biblio-owner-files" });
  owner = await createTestUser();
  member = await createTestUser();
  stranger = await createTestUser();
  await getDb().insert(projectMembers).values({ projectId: owner.projectId, userId: member.id, role: "member" });
});

afterAll(async () => {
  await h?.stop();
});

/** Random bytes that open like a WebM file (the object itself is what is under test here). */
function fileBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 2654435761) >>> 24;
  bytes.set([0x1a, 0x45, 0xdf, 0xa3]);
  return bytes;
}

async function putObject(key: string, body: Uint8Array, contentType = "application/octet-stream") {
  await getS3().send(new PutObjectCommand({ Bucket: getBucket(), Key: key, Body: body, ContentType: contentType }));
}

/**
 * An upload as the pipeline leaves it once processed (the pipeline itself is tested
 * elsewhere): its object in the bucket and its row `processed`.
 */
async function processedUpload(
  user: TestUser,
  opts: { name?: string; bytes?: Uint8Array; type?: string; status?: "processed" | "processing" | "failed" } = {},
) {
  const bytes = opts.bytes ?? fileBytes(4096);
  const { id, key } = await storedUpload(user, {
    name: opts.name ?? "clip.webm",
    bytes,
    type: opts.type ?? "video/webm",
    status: opts.status ?? "processed",
    objectType: "application/octet-stream",
  });
  return { id, key, bytes };
}

async function addDerived(uploadId: string, kind: DerivedKind, bytes: Uint8Array, contentType: string) {
  const key = `derived/${uploadId}/${kind}`;
  await putObject(key, bytes, contentType);
  await getDb().insert(derivedFiles).values({ uploadId, kind, storageKey: key, contentType, bytes: bytes.length, width: 320, height: 180 });
  return key;
}

const fileUrl = (user: TestUser | null, id: string, query = "") =>
  callRoute(fileRoute.GET, { cookie: user?.cookie, params: { id }, path: `/api/uploads/${id}/file${query}` });
const deleteOne = (user: TestUser, id: string) => callRoute(deleteRoute.POST, { method: "POST", cookie: user.cookie, params: { id }, body: {} });

describe("signed file URLs", () => {
  it("gives the owner a ranged-readable URL that downloads under the original, RFC 5987-encoded name", async () => {
    const up = await processedUpload(owner, { name: "Füße été 🎬.webm" });
    const res = await fileUrl(owner, up.id, "?disposition=attachment");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toContain("no-store");
    expect(Date.parse(res.body.expiresAt)).toBeGreaterThan(Date.now() + 59 * 60_000);
    expect(res.body).toMatchObject({ name: "Füße été 🎬.webm", contentType: "video/webm", size: up.bytes.length });

    const got = await fetch(res.body.url);
    expect(got.status).toBe(200);
    expect(got.headers.get("content-disposition")).toBe(
      `attachment; filename="F??e ?t? ??.webm"; filename*=UTF-8''F%C3%BC%C3%9Fe%20%C3%A9t%C3%A9%20%F0%9F%8E%AC.webm`,
    );
    // The stored object says octet-stream; the URL's override names the detected type.
    expect(got.headers.get("content-type")).toBe("video/webm");
    const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
    expect(sha(new Uint8Array(await got.arrayBuffer()))).toBe(sha(up.bytes));

    const ranged = await fetch(res.body.url, { headers: { range: "bytes=100-199" } });
    expect(ranged.status).toBe(206);
    expect(new Uint8Array(await ranged.arrayBuffer())).toEqual(up.bytes.slice(100, 200));
  });

  it("plays inline by default, and redirects when asked, for plain links", async () => {
    const up = await processedUpload(owner, { name: "plain.webm" });
    // Next puts the route's own params in the request URL's query: that must not be refused.
    const inline = await fileUrl(owner, up.id, `?id=${up.id}`);
    expect(inline.status).toBe(200);
    expect((await fetch(inline.body.url)).headers.get("content-disposition")).toBe("inline; filename=plain.webm");
    const redirect = await fileUrl(owner, up.id, "?disposition=attachment&redirect=1");
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("location")).toContain(up.key.split("/")[1]);
    expect((await fetch(redirect.headers.get("location")!)).headers.get("content-disposition")).toBe("attachment; filename=plain.webm");
  });

  it("is for project members too, and a 404 for anyone else, exactly like an unknown id", async () => {
    const up = await processedUpload(owner);
    expect((await fileUrl(member, up.id)).status).toBe(200);
    const foreign = await fileUrl(stranger, up.id);
    const unknown = await fileUrl(stranger, newUploadId());
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual(unknown.body);
    expect((await fileUrl(null, up.id)).status).toBe(401);
  });

  it("refuses files that are not processed yet, and bad query values with 422", async () => {
    const busy = await processedUpload(owner, { status: "processing" });
    const res = await fileUrl(owner, busy.id);
    expect(res.status).toBe(409);
    expect(res.body.error.message).toBe("This file is processing; it can be played or downloaded once it is processed.");
    const bad = await fileUrl(owner, busy.id, "?disposition=evil");
    expect(bad.status).toBe(422);
    expect(bad.body.error.message).toMatch(/^disposition:/);
    expect((await fileUrl(owner, busy.id, "?redirect=yes")).status).toBe(422);
  });

  it("signs the poster and storyboard with the file", async () => {
    const up = await processedUpload(owner);
    const poster = fileBytes(512);
    await addDerived(up.id, "thumbnail", poster, "image/webp");
    const res = await fileUrl(owner, up.id);
    expect(Object.keys(res.body.derived)).toEqual(["thumbnail"]);
    const got = await fetch(res.body.derived.thumbnail.url);
    expect(got.headers.get("content-type")).toBe("image/webp");
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(poster);
  });

  it("lists each file with its thumbnail, and the same URL within a signing window (the browser caches it)", async () => {
    const user = await createTestUser();
    const up = await processedUpload(user);
    await addDerived(up.id, "thumbnail", fileBytes(256), "image/webp");
    const list = () => callRoute(uploadsRoute.GET, { cookie: user.cookie, path: `/api/uploads?projectId=${user.projectId}` });
    const first = await list();
    const row = first.body.uploads.find((u: { id: string }) => u.id === up.id);
    expect(row.thumbnailUrl).toContain(`derived/${up.id}/thumbnail`);
    const again = (await list()).body.uploads.find((u: { id: string }) => u.id === up.id);
    // Equal unless a 10-minute window boundary fell between the two calls.
    if (Math.floor(Date.now() / 600_000) === Math.floor((Date.now() - 5_000) / 600_000)) expect(again.thumbnailUrl).toBe(row.thumbnailUrl);
  });
});

describe("owner deletion", () => {
  it("removes the object and derived files, marks the row deleted with a timeline event and an audit record", async () => {
    const up = await processedUpload(owner);
    const thumb = await addDerived(up.id, "thumbnail", fileBytes(300), "image/webp");
    const sprite = await addDerived(up.id, "storyboard", fileBytes(900), "image/jpeg");

    const res = await deleteOne(owner, up.id);
    expect(res.status).toBe(200);
    expect(res.body.upload.status).toBe("deleted");
    expect(await headObject(up.key)).toBeNull();
    expect(await headObject(thumb)).toBeNull();
    expect(await headObject(sprite)).toBeNull();
    expect(await getDb().select().from(derivedFiles).where(eq(derivedFiles.uploadId, up.id))).toEqual([]);
    const row = (await getUploadById(up.id))!;
    expect(row.deletedAt).not.toBeNull();
    expect((await listUploadEvents(up.id)).map((e) => [e.type, e.source])).toContainEqual(["deleted", "owner"]);
    const audit = await getDb()
      .select()
      .from(adminAudit)
      .where(and(eq(adminAudit.target, up.id), eq(adminAudit.action, "upload.delete")));
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actorId).toBe(owner.id);

    // Gone from the list and from playback; a repeat is harmless.
    const list = await callRoute(uploadsRoute.GET, { cookie: owner.cookie, path: `/api/uploads?projectId=${owner.projectId}&limit=200` });
    expect(list.body.uploads.map((u: { id: string }) => u.id)).not.toContain(up.id);
    expect((await fileUrl(owner, up.id)).status).toBe(409);
    expect((await deleteOne(owner, up.id)).body.upload.status).toBe("deleted");
  });

  it("is not undone by late bytes, a storage event, a /complete, a job delivery or the sweep", async () => {
    const up = await processedUpload(owner, { name: "late.webm" });
    expect((await deleteOne(owner, up.id)).status).toBe(200);

    // Bytes land at the key afterwards, and their storage event arrives.
    await putObject(up.key, up.bytes);
    const event = await callRoute(storageEventsRoute.POST, {
      method: "POST",
      path: "/api/storage-events",
      headers: { "x-biblio-storage-secret": SECRET },
      body: {
        Records: [
          {
            eventSource: "aws:s3",
            eventName: "ObjectCreated:Put",
            s3: { bucket: { name: getBucket() }, object: { key: up.key, size: up.bytes.length, eTag: "x" } },
          },
        ],
      },
    });
    expect(event.status).toBe(200);
    expect(event.body.results).toEqual([{ key: up.key, uploadId: up.id, outcome: "unchanged" }]);
    expect((await getUploadById(up.id))!.status).toBe("deleted");

    const complete = await callRoute(completeRoute.POST, { method: "POST", cookie: owner.cookie, params: { id: up.id }, body: {} });
    expect(complete.status).toBe(409);
    expect(complete.body.error.message).toBe("This upload was deleted; start a new upload.");

    const job = await processJob({ payload: jobPayloadFor((await getUploadById(up.id))!), messageId: "msg_late", retried: 0 });
    expect(job).toMatchObject({ kind: "skipped", reason: "The upload is deleted; nothing to process." });

    // The sweep deletes the late bytes and leaves the row deleted. Another test's sweep
    // may hold the lease: run until one that is ours has seen the key.
    for (let i = 0; i < 20 && (await headObject(up.key)); i++) await runSweep({ trigger: "manual", listPagesPerRun: 1000 });
    expect(await headObject(up.key)).toBeNull();
    const after = (await getUploadById(up.id))!;
    expect(after.status).toBe("deleted");
    expect((await listUploadEvents(up.id)).map((e) => e.type)).toContain("late_bytes_deleted");
  });

  it("aborts a pending upload's multipart session", async () => {
    const created = await callRoute(uploadsRoute.POST, {
      method: "POST",
      cookie: owner.cookie,
      body: { name: "big.webm", type: "video/webm", size: 40 * MiB, projectId: owner.projectId },
    });
    expect(created.body.strategy).toBe("multipart");
    const id = created.body.upload.id;
    const res = await deleteOne(owner, id);
    expect(res.body.upload.status).toBe("deleted");
    const sessions = await getS3().send(new ListMultipartUploadsCommand({ Bucket: getBucket(), Prefix: created.body.multipart.key }));
    expect(sessions.Uploads ?? []).toEqual([]);
  });

  it("refuses a file that is processing (409), and anyone else's (404)", async () => {
    const busy = await processedUpload(owner, { status: "processing" });
    const res = await deleteOne(owner, busy.id);
    expect(res.status).toBe(409);
    expect(res.body.error.message).toBe("This file is processing; delete it once processing has finished.");
    expect(await headObject(busy.key)).not.toBeNull();

    const mine = await processedUpload(owner);
    expect((await deleteOne(member, mine.id)).status).toBe(404);
    expect((await deleteOne(stranger, mine.id)).status).toBe(404);
    expect((await getUploadById(mine.id))!.status).toBe("processed");
    expect(await headObject(mine.key)).not.toBeNull();
  });

  it("deletes many at once, only the caller's own, and says what happened to each", async () => {
    const [a, b, busy] = [await processedUpload(owner), await processedUpload(owner), await processedUpload(owner, { status: "processing" })];
    const theirs = await processedUpload(stranger);
    const unknown = newUploadId();
    const res = await callRoute(bulkDeleteRoute.POST, { method: "POST", cookie: owner.cookie, body: { ids: [a.id, theirs.id, b.id, busy.id, unknown] } });
    expect(res.status).toBe(200);
    expect(res.body.deleted).toBe(2);
    expect(res.body.results.map((r: { id: string; outcome: string }) => [r.id, r.outcome])).toEqual([
      [a.id, "deleted"],
      [theirs.id, "not_found"],
      [b.id, "deleted"],
      [busy.id, "conflict"],
      [unknown, "not_found"],
    ]);
    expect(await headObject(a.key)).toBeNull();
    expect(await headObject(theirs.key)).not.toBeNull();
    expect((await getUploadById(theirs.id))!.status).toBe("processed");

    const bad = await callRoute(bulkDeleteRoute.POST, { method: "POST", cookie: owner.cookie, body: { ids: [a.id, a.id] } });
    expect(bad.status).toBe(422);
    const empty = await callRoute(bulkDeleteRoute.POST, { method: "POST", cookie: owner.cookie, body: { ids: [] } });
    expect(empty.body.error.message).toBe("ids: must name at least one upload");
  });
});

describe("storage quota", () => {
  it("counts stored, pending (declared) and derived bytes, not deleted ones, and refuses a create past the limit naming both", async () => {
    const user = await createTestUser();
    const big = await processedUpload(user, { bytes: fileBytes(1000) });
    // Pretend the stored file is large: the quota reads sizes from the rows.
    await getDb()
      .update(uploads)
      .set({ realSize: 45 * GiB, declaredSize: 45 * GiB })
      .where(eq(uploads.id, big.id));
    await addDerived(big.id, "thumbnail", fileBytes(2 * 1024), "image/webp");
    const pending = await callRoute(uploadsRoute.POST, {
      method: "POST",
      cookie: user.cookie,
      body: { name: "p.webm", type: "video/webm", size: 3 * GiB, projectId: user.projectId },
    });
    expect(pending.status).toBe(201);
    const usage = await getStorageUsage(user.id, PLANS.free);
    expect(usage).toEqual({ usedBytes: 48 * GiB + 2048, limitBytes: 50 * GiB, uploadBytes: 48 * GiB, derivedBytes: 2048 });

    const refused = await callRoute(uploadsRoute.POST, {
      method: "POST",
      cookie: user.cookie,
      body: { name: "more.webm", type: "video/webm", size: 2 * GiB, projectId: user.projectId },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("quota_exceeded");
    expect(refused.body.error.message).toBe(
      "This file (2.0 GiB) does not fit in your storage: you are using 48 GiB of the 50 GiB your Free plan allows (2.0 GiB left). Delete some files first.",
    );
    expect(refused.body.error.details).toEqual({ limit: "storageQuota", usedBytes: 48 * GiB + 2048, limitBytes: 50 * GiB, requestedBytes: 2 * GiB });

    // Deleting frees the space (the file and its derived bytes), and the create goes through.
    expect((await deleteOne(user, big.id)).status).toBe(200);
    expect((await getStorageUsage(user.id, PLANS.free)).usedBytes).toBe(3 * GiB);
    const fits = await callRoute(uploadsRoute.POST, {
      method: "POST",
      cookie: user.cookie,
      body: { name: "more.webm", type: "video/webm", size: 2 * GiB, projectId: user.projectId },
    });
    expect(fits.status).toBe(201);
  });

  it("stops counting an upload once it is aborted or its rejected bytes are purged", async () => {
    const user = await createTestUser();
    const up = await processedUpload(user, { bytes: fileBytes(5000) });
    expect((await getStorageUsage(user.id, PLANS.free)).usedBytes).toBe(5000);
    await transitionUpload({ id: up.id, from: ["processed"], to: "rejected", event: { type: "test", source: "test" } });
    expect((await getStorageUsage(user.id, PLANS.free)).usedBytes).toBe(5000);
    await transitionUpload({ id: up.id, from: ["rejected"], to: "rejected", set: { objectDeletedAt: new Date() }, event: { type: "test", source: "test" } });
    expect((await getStorageUsage(user.id, PLANS.free)).usedBytes).toBe(0);
  });

  it("keeps the usage row equal to a recount through creates, completions, derived files, rejection, purge, abort, expiry, deletion and batch writes", async () => {
    const [user, other] = await Promise.all([createTestUser(), createTestUser()]);
    const agrees = async () => {
      for (const u of [user, other]) expect(await getStoredBytes(u.id), u.id).toEqual(await recountStoredBytes(u.id));
      return getStoredBytes(user.id);
    };
    const create = async (who: TestUser, size: number, name = "c.webm") => {
      const res = await callRoute(uploadsRoute.POST, {
        method: "POST",
        cookie: who.cookie,
        body: { name, type: "video/webm", size, projectId: who.projectId },
      });
      expect(res.status).toBe(201);
      return res.body.upload.id as string;
    };
    const move = (id: string, from: "pending" | "uploaded" | "processed" | "rejected", to: "uploaded" | "expired" | "aborted" | "rejected", set = {}) =>
      transitionUpload({ id, from: [from], to, set, event: { type: "test", source: "test" } });

    const single = await create(user, 100);
    const multi = await create(user, 20 * MiB);
    await create(other, 700);
    expect(await agrees()).toEqual({ uploadBytes: 100 + 20 * MiB, derivedBytes: 0 });
    // Confirmed at a stored size other than the declared one: the stored size counts.
    await move(single, "pending", "uploaded", { realSize: 90 });
    expect(await agrees()).toEqual({ uploadBytes: 90 + 20 * MiB, derivedBytes: 0 });

    const done = await processedUpload(user, { bytes: fileBytes(4096) });
    await addDerived(done.id, "thumbnail", fileBytes(2048), "image/webp");
    await addDerived(done.id, "storyboard", fileBytes(3000), "image/webp");
    expect(await agrees()).toEqual({ uploadBytes: 90 + 20 * MiB + 4096, derivedBytes: 5048 });
    await getDb()
      .update(derivedFiles)
      .set({ bytes: 1000 })
      .where(and(eq(derivedFiles.uploadId, done.id), eq(derivedFiles.kind, "storyboard")));
    await getDb()
      .delete(derivedFiles)
      .where(and(eq(derivedFiles.uploadId, done.id), eq(derivedFiles.kind, "thumbnail")));
    expect((await agrees()).derivedBytes).toBe(1000);

    // Rejected bytes count until purged; an aborted session and an expired intent count nothing.
    await move(done.id, "processed", "rejected");
    expect((await agrees()).uploadBytes).toBe(90 + 20 * MiB + 4096);
    await move(done.id, "rejected", "rejected", { objectDeletedAt: new Date() });
    expect(await agrees()).toEqual({ uploadBytes: 90 + 20 * MiB, derivedBytes: 0 });
    await move(multi, "pending", "aborted");
    const late = await create(user, 333);
    await move(late, "pending", "expired");
    expect(await agrees()).toEqual({ uploadBytes: 90, derivedBytes: 0 });

    // The owner's delete (object, derived files, row deleted).
    const kept = await processedUpload(user, { bytes: fileBytes(5000) });
    await addDerived(kept.id, "thumbnail", fileBytes(700), "image/webp");
    expect(await agrees()).toEqual({ uploadBytes: 5090, derivedBytes: 700 });
    expect((await deleteOne(user, kept.id)).status).toBe(200);
    expect(await agrees()).toEqual({ uploadBytes: 90, derivedBytes: 0 });

    // One statement across two owners (a sweep's batch), then a row removed outright with its derived files.
    await create(user, 55);
    await getDb().$client.query(`update uploads set status = 'expired' where owner_id = any($1) and status = 'pending'`, [[user.id, other.id]]);
    expect(await agrees()).toEqual({ uploadBytes: 90, derivedBytes: 0 });
    expect(await getStoredBytes(other.id)).toEqual({ uploadBytes: 0, derivedBytes: 0 });
    const gone = await processedUpload(user, { bytes: fileBytes(800) });
    await addDerived(gone.id, "thumbnail", fileBytes(80), "image/webp");
    expect(await agrees()).toEqual({ uploadBytes: 890, derivedBytes: 80 });
    await getDb().delete(uploads).where(eq(uploads.id, gone.id));
    expect(await agrees()).toEqual({ uploadBytes: 90, derivedBytes: 0 });
  });

  it("lets exactly as many racing creates through as fit in the last bytes, and aborts the refused ones' multipart sessions", async () => {
    const user = await createTestUser();
    const big = await processedUpload(user, { bytes: fileBytes(1000) });
    const room = 3 * 100;
    await getDb()
      .update(uploads)
      .set({ realSize: 50 * GiB - room - 50, declaredSize: 50 * GiB - room - 50 })
      .where(eq(uploads.id, big.id));
    const createAs = (size: number, name: string) =>
      callRoute(uploadsRoute.POST, { method: "POST", cookie: user.cookie, body: { name, type: "video/webm", size, projectId: user.projectId } });

    const singles = await Promise.all(Array.from({ length: 8 }, (_, i) => createAs(100, `race-${i}.webm`)));
    expect(singles.filter((r) => r.status === 201)).toHaveLength(3);
    const refused = singles.filter((r) => r.status !== 201);
    expect(refused).toHaveLength(5);
    for (const r of refused)
      expect(r.body.error).toMatchObject({ code: "quota_exceeded", details: { limit: "storageQuota", limitBytes: 50 * GiB, requestedBytes: 100 } });
    expect(await getStoredBytes(user.id)).toEqual({ uploadBytes: 50 * GiB - 50, derivedBytes: 0 });
    expect(await recountStoredBytes(user.id)).toEqual({ uploadBytes: 50 * GiB - 50, derivedBytes: 0 });

    // Multipart: room for two 20 MiB files; a session opened by a create the insert refused is aborted.
    await getDb()
      .update(uploads)
      .set({ realSize: 50 * GiB - 40 * MiB - 400, declaredSize: 50 * GiB - 40 * MiB - 400 })
      .where(eq(uploads.id, big.id));
    const tag = crypto.randomUUID().slice(0, 8);
    const multis = await Promise.all(Array.from({ length: 5 }, () => createAs(20 * MiB, `race-${tag}.webm`)));
    expect(multis.filter((r) => r.status === 201)).toHaveLength(2);
    expect(multis.filter((r) => r.status === 409)).toHaveLength(3);
    const sessions = await getS3().send(new ListMultipartUploadsCommand({ Bucket: getBucket() }));
    const ours = (sessions.Uploads ?? []).filter((u) => u.Key?.endsWith(`race-${tag}.webm`));
    expect(ours.map((u) => u.UploadId).sort()).toEqual(
      multis
        .filter((r) => r.status === 201)
        .map((r) => r.body.multipart.uploadId)
        .sort(),
    );
  });
});
