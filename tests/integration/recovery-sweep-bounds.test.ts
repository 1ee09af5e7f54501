// The sweep at scale (issue 13): a listing that cannot finish in one run resumes from a
// cursor kept in the database, so the newest keys are reached; and expiry runs on every
// pass, whether or not the listing finished.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import * as uploadsRoute from "@/app/api/uploads/route";
import { getDb } from "@/lib/db/client";
import { getCursor, setCursor } from "@/lib/db/queries/sweep";
import { getUploadsByIds } from "@/lib/db/queries/uploads";
import { getBucket } from "@/lib/storage/s3-client";
import { runSweep } from "@/lib/sweep/run-sweep";
import { createTestUser, type TestUser } from "../helpers/auth";
import { callRoute } from "../helpers/requests";
import { type Harness, startHarness } from "../helpers/trigger-harness";
import { overrideTriggers } from "../helpers/trigger-override";

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, ...new Array(100).fill(5)]);

let h: Harness;
let owner: TestUser;

beforeAll(async () => {
  h = await startHarness({ bucket: "biblio-recovery-sweep", topicName: "biblio-recovery-sweep" });
  owner = await createTestUser({ plan: "pro" });
  // Only the sweep confirms here (no storage events are configured on this bucket).
  overrideTriggers(["sweep"]);
});

afterAll(async () => {
  overrideTriggers(undefined);
  await h?.stop();
});

async function create(put: boolean) {
  const res = await callRoute(uploadsRoute.POST, {
    method: "POST",
    cookie: owner.cookie,
    body: { projectId: owner.projectId, name: "p.png", type: "image/png", size: PNG.length },
  });
  expect(res.status).toBe(201);
  if (put) expect((await fetch(res.body.put.url, { method: "PUT", headers: res.body.put.headers, body: PNG })).status).toBe(200);
  return res.body.upload.id as string;
}

it("resumes the listing from a persisted cursor, reaches the newest keys, and expires on every pass", async () => {
  // Keys are uploads/<UUIDv7>/…, so creation order is listing order.
  const ids = [await create(true), await create(true), await create(true)];
  const overdue = await create(false);
  await getDb().execute(sql`update uploads set deadline_at = now() - interval '1 minute' where id = ${overdue}`);
  const cursorName = `sweep:objects:${getBucket()}`;
  await setCursor(cursorName, null);
  const statuses = async () => (await getUploadsByIds(ids)).sort((a, b) => a.id.localeCompare(b.id)).map((r) => r.status);
  const bounded = { trigger: "manual" as const, listPageSize: 1, listPagesPerRun: 1 };

  const first = await runSweep(bounded);
  if (first.status === "locked") throw new Error("locked");
  expect(first.counts.listed).toBe(1);
  expect(await statuses()).toEqual(["queued", "pending", "pending"]);
  // The listing stopped after one key, yet expiry ran in the same pass.
  expect((await getUploadsByIds([overdue]))[0]?.status).toBe("expired");
  expect(await getCursor(cursorName)).not.toBeNull();

  await runSweep(bounded);
  expect(await statuses()).toEqual(["queued", "queued", "pending"]);

  const third = await runSweep(bounded);
  if (third.status === "locked") throw new Error("locked");
  expect(await statuses()).toEqual(["queued", "queued", "queued"]);
  // The end of the bucket: the next run starts from the beginning again.
  expect(third.counts.list_wrapped).toBe(1);
  expect(await getCursor(cursorName)).toBeNull();
});
