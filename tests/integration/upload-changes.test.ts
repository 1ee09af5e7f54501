import { beforeAll, describe, expect, it } from "vitest";
import * as changesRoute from "@/app/api/projects/[projectId]/uploads/changes/route";
import * as uploadRoute from "@/app/api/uploads/[id]/route";
import * as uploadsRoute from "@/app/api/uploads/route";
import { getDb } from "@/lib/db/node";
import { RATE_LIMITS } from "@/lib/rate-limit/limits";
import { CHANGES_PAGE_SIZE } from "@/lib/uploads/list-changes";
import { captureQueries } from "../../bench/capture-queries";
import { createTestUser, type TestUser } from "../helpers/auth";
import { callRoute } from "../helpers/requests";

let owner: TestUser;
let other: TestUser;
let admin: TestUser;

beforeAll(async () => {
  [owner, other, admin] = await Promise.all([createTestUser(), createTestUser(), createTestUser({ role: "admin" })]);
});

const EPOCH = "2000-01-01T00:00:00Z";

function poll(user: TestUser, since: string, projectId = user.projectId) {
  return callRoute(changesRoute.GET, {
    path: `/api/projects/${projectId}/uploads/changes?since=${encodeURIComponent(since)}`,
    params: { projectId },
    cookie: user.cookie,
  });
}

async function createUpload(user: TestUser, name = "a.png") {
  const res = await callRoute(uploadsRoute.POST, {
    method: "POST",
    cookie: user.cookie,
    body: { name, type: "image/png", size: 100, projectId: user.projectId },
  });
  expect(res.status).toBe(201);
  return res.body.upload.id as string;
}

/** Moves a row's last change into the past, as a transition that happened `seconds` ago would have left it. */
async function setChangedAgo(id: string, seconds: number) {
  await getDb().$client.query(`update uploads set updated_at = now() - make_interval(secs => $2) where id = $1`, [id, seconds]);
}

describe("GET /api/projects/[projectId]/uploads/changes", () => {
  it("answers 204 with no body once the caller has seen every change, and 200 with the row when one moves", async () => {
    const user = await createTestUser();
    const id = await createUpload(user);
    await setChangedAgo(id, 30);

    const first = await poll(user, EPOCH);
    expect(first.status).toBe(200);
    expect(first.body.uploads.map((u: { id: string }) => u.id)).toEqual([id]);
    expect(first.body.uploads[0].status).toBe("pending");
    expect(first.body.more).toBe(false);

    const quiet = await poll(user, first.body.cursor);
    expect(quiet.status).toBe(204);
    expect(quiet.body).toBe("");

    const aborted = await callRoute(uploadRoute.DELETE, { method: "DELETE", params: { id }, cookie: user.cookie });
    expect(aborted.status).toBe(200);
    const moved = await poll(user, first.body.cursor);
    expect(moved.status).toBe(200);
    expect(moved.body.uploads.map((u: { id: string; status: string }) => [u.id, u.status])).toEqual([[id, "aborted"]]);
  });

  it("holds the cursor back, so a change whose statement started earlier but committed later is still delivered", async () => {
    const user = await createTestUser();
    const seen = await createUpload(user, "seen.png");
    const late = await createUpload(user, "late.png");
    // `late` committed after the first poll, stamped with a start time 1 s before `seen`'s change.
    await setChangedAgo(late, 3600);
    const first = await poll(user, EPOCH);
    expect(first.body.uploads.map((u: { id: string }) => u.id)).toEqual([late, seen]);
    await setChangedAgo(late, 1);

    const next = await poll(user, first.body.cursor);
    expect(next.status).toBe(200);
    expect(next.body.uploads.map((u: { id: string }) => u.id)).toContain(late);
  });

  it("pages through a burst of changes that share one timestamp without skipping any", async () => {
    const user = await createTestUser();
    const template = await createUpload(user, "burst.png");
    const count = CHANGES_PAGE_SIZE + 30;
    await getDb().$client.query(
      `insert into uploads (id, owner_id, project_id, plan, bucket, storage_key, name, safe_name, declared_type, declared_size, deadline_at)
       select 'upl_' || gen_random_uuid(), owner_id, project_id, plan, bucket, storage_key || '-' || n, name, safe_name, declared_type, declared_size, deadline_at
       from uploads, generate_series(1, $2) n where id = $1`,
      [template, count - 1],
    );
    // A sweep's batch update stamps every row with the same time.
    await getDb().$client.query(`update uploads set updated_at = now() - interval '1 minute' where project_id = $1`, [user.projectId]);

    const first = await poll(user, EPOCH);
    expect(first.status).toBe(200);
    expect(first.body.uploads).toHaveLength(CHANGES_PAGE_SIZE);
    expect(first.body.more).toBe(true);
    const second = await poll(user, first.body.cursor);
    expect(second.body.more).toBe(false);
    const ids = new Set([...first.body.uploads, ...second.body.uploads].map((u: { id: string }) => u.id));
    expect(ids.size).toBe(count);
    expect((await poll(user, second.body.cursor)).status).toBe(204);
  });

  it("shows a project to its members and to admins only, and names a bad cursor", async () => {
    await createUpload(owner);
    expect((await poll(other, EPOCH, owner.projectId)).status).toBe(404);
    const asAdmin = await poll(admin, EPOCH, owner.projectId);
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.body.uploads.length).toBeGreaterThan(0);
    expect((await poll(admin, EPOCH, "prj_00000000-0000-0000-0000-000000000000")).status).toBe(404);
    expect((await poll(owner, EPOCH, "../../etc")).status).toBe(404);

    for (const bad of ["yesterday", "2026-02-30T00:00:00Z", "2026-01-01T00:00:00Z|a|b", "0000-01-01T00:00:00Z"]) {
      const res = await poll(owner, bad);
      expect(res.status, bad).toBe(422);
      expect(res.body.error.message, bad).toMatch(/^since: /);
    }
    const missing = await callRoute(changesRoute.GET, {
      path: `/api/projects/${owner.projectId}/uploads/changes`,
      params: { projectId: owner.projectId },
      cookie: owner.cookie,
    });
    expect(missing.status).toBe(422);
    expect(missing.body.error.message).toMatch(/^since: /);
  });

  it("costs one statement per quiet poll: the rate-limit count, the access check and the changes together", async () => {
    const user = await createTestUser();
    const first = await poll(user, EPOCH);
    const key = `uploads.read:user:${user.id}`;
    const pointsOf = async () => Number((await getDb().$client.query(`select points from rate_limits where key = $1`, [key])).rows[0]?.points ?? 0);
    const before = await pointsOf();
    // Every statement the app sends goes through this pool (the in-process route included).
    const capture = captureQueries(getDb().$client);
    try {
      for (let i = 0; i < 5; i++) expect((await poll(user, first.body.cursor ?? EPOCH)).status).toBe(204);
      const sent = capture.take();
      expect(sent).toHaveLength(5);
      for (const statement of sent) {
        expect(statement.text).toContain("insert into rate_limits");
        expect(statement.text).toContain("from uploads u");
      }
    } finally {
      capture.restore();
    }
    expect(await pointsOf()).toBe(before + 5);
  });

  it("still answers 429 with Retry-After and the limit's details once the caller's allowance is spent", async () => {
    const [user, neighbour] = await Promise.all([createTestUser(), createTestUser()]);
    const max = RATE_LIMITS["uploads.read"].user.points;
    // The allowance spent within the current window, as `max` polls would have left it.
    await getDb().$client.query(`insert into rate_limits (key, points, reset_at) values ($1, $2, now() + interval '30 seconds')`, [
      `uploads.read:user:${user.id}`,
      max,
    ]);
    const limited = await poll(user, EPOCH);
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(30);
    expect(limited.body.error.code).toBe("rate_limited");
    expect(limited.body.error.message).toMatch(new RegExp(`^Too many requests for your account: at most ${max} per 60 s\\. Try again in \\d+ s\\.$`));
    expect(limited.body.error.details).toMatchObject({ limit: "uploads.read", scope: "user", max, windowSeconds: 60, retryAfterSeconds: retryAfter });
    // A malformed request over the limit is a 429 too, as on every route.
    expect((await poll(user, "yesterday")).status).toBe(429);
    // Another user's tab is not affected, and the window's end gives the allowance back.
    expect((await poll(neighbour, EPOCH)).status).toBe(204);
    await getDb().$client.query(`update rate_limits set reset_at = now() - interval '1 second' where key = $1`, [`uploads.read:user:${user.id}`]);
    expect((await poll(user, EPOCH)).status).toBe(204);
  });
});
