import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CreateMultipartUploadCommand, ListMultipartUploadsCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { Client } from "@upstash/qstash";
import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import * as healthRoute from "@/app/api/admin/health/route";
import * as discardRoute from "@/app/api/admin/jobs/discard/route";
import * as jobsReplayRoute from "@/app/api/admin/jobs/replay/route";
import * as cleanupRoute from "@/app/api/admin/orphans/cleanup/route";
import * as sweepsRoute from "@/app/api/admin/sweeps/route";
import * as cancelRoute from "@/app/api/admin/uploads/[id]/cancel/route";
import * as deleteObjectRoute from "@/app/api/admin/uploads/[id]/delete-object/route";
import * as replayRoute from "@/app/api/admin/uploads/[id]/replay/route";
import * as adminUploadRoute from "@/app/api/admin/uploads/[id]/route";
import * as adminUploadsRoute from "@/app/api/admin/uploads/route";
import * as userRoute from "@/app/api/admin/users/[id]/route";
import * as failedRoute from "@/app/api/jobs/failed/route";
import * as processRoute from "@/app/api/jobs/process/route";
import * as completeRoute from "@/app/api/uploads/[id]/complete/route";
import * as uploadsRoute from "@/app/api/uploads/route";
import { QSTASH_DEV_USER } from "@/dev/stack/local-defaults";
import { getOverview } from "@/lib/admin/get-overview";
import { getDb } from "@/lib/db/client";
import { listAdminUploads } from "@/lib/db/queries/admin-uploads";
import { getUploadById, listUploadEvents } from "@/lib/db/queries/uploads";
import { adminAudit, storageOrphans, uploads, user } from "@/lib/db/schema";
import { ensureQueues } from "@/lib/queue/ensure-queues";
import { getQstash, replaceQstashClient } from "@/lib/queue/qstash-client";
import { headObject } from "@/lib/storage/objects";
import { getBucket, getS3 } from "@/lib/storage/s3-client";
import { createTestUser, type TestUser } from "../helpers/auth";
import { failPermanently } from "../helpers/processor-faults";
import { callRoute } from "../helpers/requests";
import { startWorkerHarness, type WorkerHarness, waitFor } from "../helpers/worker-harness";

const SAMPLE = new Uint8Array(readFileSync(join(import.meta.dirname, "../fixtures/sample.mp4")));

let harness: WorkerHarness;
let owner: TestUser;
let other: TestUser;
let admin: TestUser;

beforeAll(async () => {
  // First: it points APP_URL and QStash at an in-process server, before anything reads the env.
  harness = await startWorkerHarness({ "/api/jobs/process": processRoute.POST, "/api/jobs/failed": failedRoute.POST });
  await ensureQueues();
  [owner, other, admin] = await Promise.all([createTestUser(), createTestUser(), createTestUser({ role: "admin" })]);
});

afterAll(async () => {
  await harness?.stop();
});

afterEach(() => {
  vi.restoreAllMocks();
});

async function createUpload(u: TestUser, name: string, size: number, type = "video/mp4") {
  const res = await callRoute(uploadsRoute.POST, { method: "POST", cookie: u.cookie, body: { name, type, size, projectId: u.projectId } });
  expect(res.status).toBe(201);
  return res.body as { upload: { id: string }; strategy: string; put?: { url: string; headers: Record<string, string> } };
}

async function putSample(u: TestUser, name: string): Promise<string> {
  const created = await createUpload(u, name, SAMPLE.length);
  const res = await fetch(created.put!.url, { method: "PUT", headers: created.put!.headers, body: SAMPLE });
  expect(res.status).toBe(200);
  return created.upload.id;
}

async function completeAndSettle(u: TestUser, id: string) {
  const res = await callRoute(completeRoute.POST, { method: "POST", cookie: u.cookie, params: { id }, body: {} });
  expect(res.status).toBe(200);
  return waitFor(`${id} to settle`, async () => {
    const row = await getUploadById(id);
    return row && (row.status === "processed" || (row.status === "failed" && row.dlqId)) ? row : null;
  });
}

async function auditFor(target: string) {
  return getDb().select().from(adminAudit).where(eq(adminAudit.target, target));
}

type Route = (req: Request, ctx: { params: Promise<any> }) => Promise<Response>;

describe("authorisation matrix", () => {
  let pendingId: string;
  beforeAll(async () => {
    pendingId = (await createUpload(owner, "matrix.mp4", 1000)).upload.id;
  });

  const routes = (): { name: string; handler: Route; method: string; params?: Record<string, string>; body?: unknown; adminStatus: number }[] => [
    { name: "GET /api/admin/uploads", handler: adminUploadsRoute.GET, method: "GET", adminStatus: 200 },
    { name: "GET /api/admin/uploads/:id", handler: adminUploadRoute.GET, method: "GET", params: { id: pendingId }, adminStatus: 200 },
    { name: "POST /api/admin/uploads/:id/replay", handler: replayRoute.POST, method: "POST", params: { id: pendingId }, adminStatus: 409 },
    {
      name: "POST /api/admin/uploads/:id/cancel",
      handler: cancelRoute.POST,
      method: "POST",
      params: { id: "upl_00000000-0000-7000-8000-000000000000" },
      body: { to: "aborted" },
      adminStatus: 404,
    },
    { name: "POST /api/admin/uploads/:id/delete-object", handler: deleteObjectRoute.POST, method: "POST", params: { id: pendingId }, adminStatus: 409 },
    { name: "POST /api/admin/jobs/replay", handler: jobsReplayRoute.POST, method: "POST", body: { uploadIds: [pendingId] }, adminStatus: 409 },
    { name: "POST /api/admin/jobs/discard", handler: discardRoute.POST, method: "POST", body: { uploadIds: [pendingId] }, adminStatus: 409 },
    { name: "GET /api/admin/sweeps", handler: sweepsRoute.GET, method: "GET", adminStatus: 200 },
    { name: "PATCH /api/admin/users/:id", handler: userRoute.PATCH, method: "PATCH", params: { id: other.id }, body: { plan: "free" }, adminStatus: 200 },
    { name: "GET /api/admin/health", handler: healthRoute.GET, method: "GET", adminStatus: 200 },
  ];

  it("answers anonymous callers and signed-in users 404 (as for an unknown route), and admins", async () => {
    for (const r of routes()) {
      const call = (cookie?: string) => callRoute(r.handler, { method: r.method, params: r.params, body: r.body, cookie });
      const anon = await call();
      expect(anon.status, `${r.name} anonymous`).toBe(404);
      const asUser = await call(owner.cookie);
      expect(asUser.status, `${r.name} user`).toBe(404);
      expect(asUser.body.error.message, `${r.name} user`).toBe("Not found.");
      const asAdmin = await call(admin.cookie);
      expect(asAdmin.status, `${r.name} admin: ${JSON.stringify(asAdmin.body)}`).toBe(r.adminStatus);
    }
  });

  it("also guards the routes that act (sweep, cleanup) against non-admins, and acts on nothing for them", async () => {
    for (const handler of [sweepsRoute.POST, cleanupRoute.POST] as Route[]) {
      expect((await callRoute(handler, { method: "POST" })).status).toBe(404);
      expect((await callRoute(handler, { method: "POST", cookie: owner.cookie })).status).toBe(404);
    }
    const cancel = await callRoute(cancelRoute.POST, { method: "POST", cookie: owner.cookie, params: { id: pendingId }, body: { to: "aborted" } });
    expect(cancel.status).toBe(404);
    const patch = await callRoute(userRoute.PATCH, { method: "PATCH", cookie: owner.cookie, params: { id: owner.id }, body: { plan: "pro" } });
    expect(patch.status).toBe(404);
    expect((await getUploadById(pendingId))!.status).toBe("pending");
    const [row] = await getDb().select({ plan: user.plan }).from(user).where(eq(user.id, owner.id));
    expect(row!.plan).toBe("free");
  });

  it("refuses an admin's cross-site POST (CSRF) and changes nothing", async () => {
    const res = await callRoute(cancelRoute.POST, {
      method: "POST",
      cookie: admin.cookie,
      params: { id: pendingId },
      body: { to: "aborted" },
      headers: { origin: "https://evil.example" },
    });
    expect(res.status).toBe(403);
    expect((await getUploadById(pendingId))!.status).toBe("pending");
  });

  it("validates bodies: malformed JSON is 400, a bad field 422 naming it", async () => {
    const bad = await callRoute(userRoute.PATCH, { method: "PATCH", cookie: admin.cookie, params: { id: other.id }, rawBody: "{" });
    expect(bad.status).toBe(400);
    const gold = await callRoute(userRoute.PATCH, { method: "PATCH", cookie: admin.cookie, params: { id: other.id }, body: { plan: "gold" } });
    expect(gold.status).toBe(422);
    expect(gold.body.error.message).toMatch(/^plan:/);
    const filter = await callRoute(adminUploadsRoute.GET, { cookie: admin.cookie, path: "/api/admin/uploads?status=sleeping" });
    expect(filter.status).toBe(422);
    expect(filter.body.error.message).toMatch(/^status:/);
  });
});

describe("uploads list", () => {
  it("filters by user, searches by name and id prefix, and pages without gaps or repeats", async () => {
    const ids: string[] = [];
    for (const n of ["alpha-one.mp4", "alpha-two.mp4", "beta-three.mp4"]) ids.push((await createUpload(other, n, 500)).upload.id);
    const byUser = await callRoute(adminUploadsRoute.GET, { cookie: admin.cookie, path: `/api/admin/uploads?user=${encodeURIComponent(other.email)}` });
    expect(byUser.status).toBe(200);
    const listed = (byUser.body.uploads as { id: string; ownerEmail: string }[]).map((u) => u.id);
    expect(new Set(listed)).toEqual(new Set(ids));
    expect(byUser.body.uploads.every((u: { ownerEmail: string }) => u.ownerEmail === other.email)).toBe(true);

    const search = await callRoute(adminUploadsRoute.GET, { cookie: admin.cookie, path: `/api/admin/uploads?user=${other.id}&q=ALPHA` });
    expect(search.body.uploads.map((u: { name: string }) => u.name).sort()).toEqual(["alpha-one.mp4", "alpha-two.mp4"]);
    const byId = await callRoute(adminUploadsRoute.GET, { cookie: admin.cookie, path: `/api/admin/uploads?q=${ids[2]!.slice(0, 30)}` });
    expect(byId.body.uploads.map((u: { id: string }) => u.id)).toContain(ids[2]);

    const unknown = await callRoute(adminUploadsRoute.GET, { cookie: admin.cookie, path: "/api/admin/uploads?user=nobody@nowhere.invalid" });
    expect(unknown.body).toMatchObject({ uploads: [], unknownUser: true });

    const seen: string[] = [];
    let cursor = null;
    do {
      const page: Awaited<ReturnType<typeof listAdminUploads>> = await listAdminUploads({ filters: { ownerId: other.id }, cursor, limit: 2 });
      seen.push(...page.rows.map((r) => r.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
  });
});

describe("pending uploads", () => {
  it("cancels a multipart upload: aborted, parts freed, on the timeline and in the audit trail", async () => {
    const created = await createUpload(owner, "big.mp4", 64 * 1024 * 1024);
    expect(created.strategy).toBe("multipart");
    const id = created.upload.id;
    const res = await callRoute(cancelRoute.POST, { method: "POST", cookie: admin.cookie, params: { id }, body: { to: "aborted" } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "aborted", multipartAborted: true });
    const row = (await getUploadById(id))!;
    expect(row.status).toBe("aborted");
    const listed = await getS3().send(new ListMultipartUploadsCommand({ Bucket: getBucket(), Prefix: row.storageKey }));
    expect(listed.Uploads ?? []).toHaveLength(0);
    const events = await listUploadEvents(id);
    expect(events.at(-1)).toMatchObject({ type: "aborted", source: "admin" });
    const audit = await auditFor(id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorId: admin.id, action: "upload.cancel" });
    expect(audit[0]!.detail).toMatchObject({ outcome: "ok", actorEmail: admin.email });
  });

  it("refuses to expire an upload whose bytes are in storage (and audits the refusal); cancelling deletes them", async () => {
    const id = await putSample(owner, "arrived.mp4");
    const expire = await callRoute(cancelRoute.POST, { method: "POST", cookie: admin.cookie, params: { id }, body: { to: "expired" } });
    expect(expire.status).toBe(409);
    expect(expire.body.error.message).toMatch(/bytes are in storage/);
    expect((await getUploadById(id))!.status).toBe("pending");
    expect((await auditFor(id))[0]!.detail).toMatchObject({ outcome: "refused" });

    const del = await callRoute(deleteObjectRoute.POST, { method: "POST", cookie: admin.cookie, params: { id } });
    expect(del.status).toBe(409);
    const cancel = await callRoute(cancelRoute.POST, { method: "POST", cookie: admin.cookie, params: { id }, body: { to: "aborted" } });
    expect(cancel.status).toBe(200);
    expect(await headObject((await getUploadById(id))!.storageKey)).toBeNull();
  });

  it("expires a pending upload whose bytes never came", async () => {
    const id = (await createUpload(owner, "never.mp4", 1234)).upload.id;
    const res = await callRoute(cancelRoute.POST, { method: "POST", cookie: admin.cookie, params: { id }, body: { to: "expired" } });
    expect(res.status).toBe(200);
    const row = (await getUploadById(id))!;
    expect(row.status).toBe("expired");
    expect(row.expiredAt).not.toBeNull();
  });
});

describe("failed jobs and the DLQ", () => {
  it("discards a dead-lettered job (DLQ entry gone, upload stays failed), then replays it to processed", async () => {
    const fault = failPermanently("probe");
    const id = await putSample(owner, "admin-replay.mp4");
    const failed = await completeAndSettle(owner, id);
    expect(failed.status).toBe("failed");
    expect(failed.dlqId).toBeTruthy();
    fault.restore();

    const detail = await callRoute(adminUploadRoute.GET, { cookie: admin.cookie, params: { id } });
    expect(detail.body.dlq.entries.map((e: { dlqId: string }) => e.dlqId)).toEqual([failed.dlqId]);
    expect(detail.body.attempts).toHaveLength(1);

    const discard = await callRoute(discardRoute.POST, { method: "POST", cookie: admin.cookie, body: { uploadIds: [id] } });
    expect(discard.status).toBe(200);
    expect(discard.body.dlqDeleted).toBe(1);
    const dlq = await getQstash().dlq.listMessages();
    expect(dlq.messages.find((m) => m.dlqId === failed.dlqId)).toBeUndefined();
    const afterDiscard = (await getUploadById(id))!;
    expect(afterDiscard).toMatchObject({ status: "failed", dlqId: null });
    expect((await listUploadEvents(id)).map((e) => e.type)).toContain("dlq_discarded");

    const replay = await callRoute(jobsReplayRoute.POST, { method: "POST", cookie: admin.cookie, body: { uploadIds: [id] } });
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ replayed: 1, failed: 0 });
    const done = await waitFor("the replay to finish", async () => {
      const r = await getUploadById(id);
      return r && (r.status === "processed" || r.status === "failed") ? r : null;
    });
    expect(done.status).toBe("processed");
    const actions = (await auditFor(id)).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(["jobs.discard"]));
    const batch = await getDb().select().from(adminAudit).where(eq(adminAudit.action, "jobs.replay"));
    expect(batch.some((a) => a.target === id && a.actorId === admin.id)).toBe(true);
  });

  it("shows a QStash outage as data instead of failing the overview", async () => {
    replaceQstashClient(new Client({ baseUrl: "http://127.0.0.1:9", token: "x", devMode: false, enableTelemetry: false, retry: false }));
    try {
      const overview = await getOverview("24h");
      expect(overview.dlq.error).toMatch(/\S/);
      expect(overview.counts.pending).toBeGreaterThan(0);
      const discard = await callRoute(discardRoute.POST, { method: "POST", cookie: admin.cookie, body: { dlqIds: ["1-1"] } });
      expect(discard.status).toBe(503);
    } finally {
      replaceQstashClient(new Client({ baseUrl: harness.qstash.url, token: QSTASH_DEV_USER.token, devMode: false, enableTelemetry: false }));
    }
  });
});

describe("objects, orphans and users", () => {
  it("deletes a processed upload's object and notes it on the timeline", async () => {
    const id = await putSample(owner, "keep-then-delete.mp4");
    const done = await completeAndSettle(owner, id);
    expect(done.status).toBe("processed");
    const res = await callRoute(deleteObjectRoute.POST, { method: "POST", cookie: admin.cookie, params: { id } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ existed: true, bytesFreed: SAMPLE.length });
    expect(await headObject(done.storageKey)).toBeNull();
    expect((await listUploadEvents(id)).at(-1)).toMatchObject({ type: "object_deleted", source: "admin" });
  });

  it("cleans up an object with no intent and the multipart upload of an aborted intent", async () => {
    const key = `uploads/upl_00000000-0000-7000-8000-${Date.now().toString().padStart(12, "0")}/stray.bin`;
    await getS3().send(new PutObjectCommand({ Bucket: getBucket(), Key: key, Body: new Uint8Array(2048) }));
    await getDb().insert(storageOrphans).values({ key, size: 2048 });

    const created = await createUpload(owner, "left-behind.mp4", 64 * 1024 * 1024);
    const row = (await getUploadById(created.upload.id))!;
    // An intent that ended while its multipart upload lived on (as if its abort had failed).
    const mp = await getS3().send(new CreateMultipartUploadCommand({ Bucket: getBucket(), Key: row.storageKey }));
    await getDb().update(uploads).set({ status: "aborted", s3UploadId: mp.UploadId! }).where(eq(uploads.id, row.id));

    const res = await callRoute(cleanupRoute.POST, { method: "POST", cookie: admin.cookie });
    expect(res.status).toBe(200);
    expect(res.body.deletedObjects).toBeGreaterThanOrEqual(1);
    expect(res.body.abortedMultipart).toBeGreaterThanOrEqual(1);
    expect(await headObject(key)).toBeNull();
    const [orphan] = await getDb().select().from(storageOrphans).where(eq(storageOrphans.key, key));
    expect(orphan!.deletedAt).not.toBeNull();
    const listed = await getS3().send(new ListMultipartUploadsCommand({ Bucket: getBucket(), Prefix: row.storageKey }));
    expect((listed.Uploads ?? []).filter((u) => u.UploadId === mp.UploadId)).toHaveLength(0);
    const [audit] = await getDb().select().from(adminAudit).where(eq(adminAudit.action, "orphans.cleanup")).limit(1);
    expect(audit).toBeDefined();
  });

  it("changes a user's plan and records who did it", async () => {
    const res = await callRoute(userRoute.PATCH, { method: "PATCH", cookie: admin.cookie, params: { id: owner.id }, body: { plan: "pro" } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ from: "free", to: "pro", email: owner.email });
    const [row] = await getDb().select({ plan: user.plan }).from(user).where(eq(user.id, owner.id));
    expect(row!.plan).toBe("pro");
    const audit = await auditFor(owner.id);
    expect(audit.at(-1)).toMatchObject({ action: "user.change_plan", actorId: admin.id });
    expect(audit.at(-1)!.detail).toMatchObject({ from: "free", to: "pro" });
  });

  it("reports every health check, each failing one with a fix", async () => {
    const res = await callRoute(healthRoute.GET, { cookie: admin.cookie });
    expect(res.status).toBe(200);
    const ids = res.body.checks.map((c: { id: string }) => c.id);
    expect(ids).toEqual(["db", "s3", "cors", "lifecycle", "notifications", "queues", "schedule"]);
    expect(res.body.checks.find((c: { id: string }) => c.id === "db").status).not.toBe("fail");
    for (const c of res.body.checks) if (c.status !== "ok") expect(c.fix, c.id).toMatch(/\S/);
  });

  it("runs a sweep on demand and lists it in the history", async () => {
    const res = await callRoute(sweepsRoute.POST, { method: "POST", cookie: admin.cookie });
    // 409: a scheduled or concurrent sweep holds the lease right now, which is also correct.
    expect([200, 409]).toContain(res.status);
    if (res.status === 200) {
      expect(res.body.counts).toBeTypeOf("object");
      const list = await callRoute(sweepsRoute.GET, { cookie: admin.cookie });
      expect(list.body.runs.some((r: { id: number; trigger: string }) => r.id === res.body.runId && r.trigger === "manual")).toBe(true);
    }
    const [audit] = await getDb().select().from(adminAudit).where(eq(adminAudit.action, "sweep.run")).limit(1);
    expect(audit).toBeDefined();
  }, 90_000);
});
