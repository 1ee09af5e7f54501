import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import * as uploadRoute from "@/app/api/uploads/[id]/route";
import * as uploadsRoute from "@/app/api/uploads/route";
import { recordUploadEvent, transitionUpload } from "@/lib/db/queries/uploads";
import { USER_EVENT_VIEWS } from "@/lib/uploads/user-event-view";
import { callRoute } from "../helpers/requests";
import { createWorld, MiB, pendingUpload, type World } from "./fixtures";

let world: World;
beforeAll(async () => {
  world = await createWorld();
});

const INTERNALS = {
  exception: "TypeError: Cannot read properties of undefined (reading 'foo') at /srv/app/lib/processors/probe.ts:12",
  publishError: "QStash publish failed: 401 invalid token from https://qstash.internal.example",
  s3UploadId: "2~internal-s3-upload-id-Xyz",
  adminEmail: "root-admin@biblio.internal",
  messageId: "msg_internal_123",
};

describe("timelines", () => {
  it("show end users plain words per event type and none of the internals; admins see everything", async () => {
    const { upload } = await pendingUpload(world.owner, 20 * MiB, "video/mp4");
    await recordUploadEvent(upload.id, { type: "publish_failed", source: "pipeline", detail: { error: INTERNALS.publishError } });
    await recordUploadEvent(upload.id, { type: "retry_scheduled", source: "worker", detail: { messageId: INTERNALS.messageId, error: INTERNALS.exception } });
    await recordUploadEvent(upload.id, { type: "multipart_aborted", source: "sweep", detail: { s3UploadId: INTERNALS.s3UploadId } });
    await recordUploadEvent(upload.id, { type: "object_deleted", source: "admin", detail: { actorEmail: INTERNALS.adminEmail, key: upload.key } });
    await recordUploadEvent(upload.id, { type: "some_future_internal_event", source: "worker", detail: { error: INTERNALS.exception } });
    await transitionUpload({
      id: upload.id,
      from: ["pending"],
      to: "failed",
      set: { failureReason: `Processing failed after 3 attempts (last: ${INTERNALS.exception}).` },
      event: { type: "failed", source: "qstash", detail: { error: INTERNALS.exception, dlqId: "dlq_1", messageId: INTERNALS.messageId } },
    });

    for (const role of ["owner", "member"] as const) {
      const res = await callRoute(uploadRoute.GET, { cookie: world.cookieOf(role), params: { id: upload.id } });
      expect(res.status).toBe(200);
      const text = JSON.stringify(res.body);
      for (const secret of Object.values(INTERNALS)) expect(text, `${role} sees ${secret}`).not.toContain(secret);
      expect(res.body.upload.failureReason).toBe("Processing failed after 3 attempts. Our team can see the details.");
      const types = res.body.events.map((e: { type: string }) => e.type);
      expect(types).toEqual(["created", "retry_scheduled", "object_deleted", "failed"]);
      for (const event of res.body.events) {
        expect(["you", "support", "Biblio"]).toContain(event.source);
        expect(event.detail === null || typeof event.detail === "string").toBe(true);
      }
      expect(res.body.events[0].detail).toBe("20 MiB, video/mp4");
    }

    const asAdmin = await callRoute(uploadRoute.GET, { cookie: world.admin.cookie, params: { id: upload.id } });
    const adminText = JSON.stringify(asAdmin.body);
    for (const secret of Object.values(INTERNALS)) expect(adminText).toContain(secret);
  });

  it("show the uploader's list without the last delivery error either", async () => {
    const { upload } = await pendingUpload(world.owner);
    await transitionUpload({
      id: upload.id,
      from: ["pending"],
      to: "failed",
      set: { failureReason: `Processing failed after 1 attempt (last: ${INTERNALS.exception}).` },
      event: { type: "failed", source: "qstash", detail: {} },
    });
    const list = await callRoute(uploadsRoute.GET, { cookie: world.owner.cookie, path: `/api/uploads?projectId=${world.owner.projectId}&limit=200` });
    expect(JSON.stringify(list.body)).not.toContain(INTERNALS.exception);
  });

  it("decide, for every event type the code records, whether and how users see it", () => {
    const root = path.resolve(import.meta.dirname, "../..");
    const recorded = new Set<string>();
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.name.endsWith(".ts")) {
          for (const m of readFileSync(full, "utf8").matchAll(/type: "([a-z_]+)", source/g)) recorded.add(m[1]!);
        }
      }
    };
    walk(path.join(root, "lib"));
    expect(recorded.size).toBeGreaterThan(10);
    expect(
      [...recorded].filter((t) => !(t in USER_EVENT_VIEWS)),
      "event types with no entry in USER_EVENT_VIEWS",
    ).toEqual([]);
  });
});

describe("per-plan caps", () => {
  it("refuses a new upload past the plan's open-upload count with a 409 naming the limit", async () => {
    const { createTestUser } = await import("../helpers/auth");
    const { PLANS } = await import("@/lib/plans/plans");
    const user = await createTestUser();
    const create = () =>
      callRoute(uploadsRoute.POST, { method: "POST", cookie: user.cookie, body: { name: "c.png", type: "image/png", size: 10, projectId: user.projectId } });
    for (let i = 0; i < PLANS.free.maxOpenUploads; i++) await pendingUpload(user);
    const refused = await create();
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("quota_exceeded");
    expect(refused.body.error.message).toBe(
      `You have ${PLANS.free.maxOpenUploads} unfinished uploads; your Free plan allows ${PLANS.free.maxOpenUploads} at once. Finish or cancel some first.`,
    );
    expect(refused.body.error.details).toMatchObject({ limit: "maxOpenUploads", max: PLANS.free.maxOpenUploads });
  });

  it("refuses a multipart upload that would take open multipart bytes past the plan's cap", async () => {
    const { createTestUser } = await import("../helpers/auth");
    const { PLANS } = await import("@/lib/plans/plans");
    const user = await createTestUser();
    const fiveGiB = 5 * 1024 ** 3;
    const fit = Math.floor(PLANS.free.maxOpenMultipartBytes / fiveGiB);
    for (let i = 0; i < fit; i++) await pendingUpload(user, fiveGiB, "video/mp4");
    const refused = await callRoute(uploadsRoute.POST, {
      method: "POST",
      cookie: user.cookie,
      body: { name: "big.mp4", type: "video/mp4", size: fiveGiB, projectId: user.projectId },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error.details).toMatchObject({ limit: "maxOpenMultipartBytes", max: PLANS.free.maxOpenMultipartBytes });
    expect(refused.body.error.message).toMatch(/^Unfinished large uploads would total 30 GiB; your Free plan allows 25 GiB at once/);
    // A small single-PUT file is still fine: the byte cap is about multipart sessions.
    const small = await callRoute(uploadsRoute.POST, {
      method: "POST",
      cookie: user.cookie,
      body: { name: "s.png", type: "image/png", size: 10, projectId: user.projectId },
    });
    expect(small.status).toBe(201);
  });
});
