import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as failedRoute from "@/app/api/jobs/failed/route";
import * as processRoute from "@/app/api/jobs/process/route";
import * as completeRoute from "@/app/api/uploads/[id]/complete/route";
import * as uploadsRoute from "@/app/api/uploads/route";
import { getUploadById, listUploadEvents, transitionUpload } from "@/lib/db/queries/uploads";
import { headObject } from "@/lib/storage/objects";
import { purgeExpiredQuarantine } from "@/lib/sweep/purge-quarantine";
import { runSweep } from "@/lib/sweep/run-sweep";
import { createTestUser, type TestUser } from "../helpers/auth";
import { callRoute } from "../helpers/requests";
import { startWorkerHarness, type WorkerHarness } from "../helpers/worker-harness";

const fixture = (name: string) => new Uint8Array(readFileSync(join(import.meta.dirname, "../fixtures", name)));

let user: TestUser;
let harness: WorkerHarness;
beforeAll(async () => {
  // Jobs of accepted files go to an in-process worker, never to a server that is not there.
  harness = await startWorkerHarness({ "/api/jobs/process": processRoute.POST, "/api/jobs/failed": failedRoute.POST });
  user = await createTestUser();
});
afterAll(async () => {
  await harness?.stop();
});

/** Create → PUT → /complete, as the uploader does; returns the /complete answer and the row. */
async function upload(file: string, type: string) {
  const bytes = fixture(file);
  const created = await callRoute(uploadsRoute.POST, {
    method: "POST",
    cookie: user.cookie,
    body: {
      name: file,
      type,
      size: bytes.length,
      projectId: user.projectId,
      options: { checksum: false, sniff: false, probe: false, thumbnail: false, storyboard: false },
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const put = await fetch(created.body.put.url, { method: "PUT", headers: created.body.put.headers, body: bytes });
  expect(put.status).toBe(200);
  const id = created.body.upload.id as string;
  const res = await callRoute(completeRoute.POST, { method: "POST", cookie: user.cookie, params: { id }, body: {} });
  return { res, row: (await getUploadById(id))! };
}

// The six files of issue 13: each used to end the wrong way (valid ones rejected and
// deleted, invalid ones accepted), because every Ogg was audio, every WebM and every
// non-M4A MP4 video, and MPEG-TS unknown.
const CASES = [
  { file: "theora.ogv", declared: "video/ogg", accepted: true, real: "video/ogg" },
  { file: "transport-stream.m2t", declared: "video/mp2t", accepted: true, real: "video/mp2t" },
  { file: "audio-only.webm", declared: "audio/webm", accepted: true, real: "audio/webm" },
  { file: "audio-only.mp4", declared: "audio/mp4", accepted: true, real: "audio/mp4" },
  { file: "theora.ogv", declared: "audio/ogg", accepted: false, real: "video/ogg" },
  { file: "audio-only.webm", declared: "video/webm", accepted: false, real: "audio/webm" },
] as const;

describe("type detection by content and tracks", () => {
  it.each(CASES)("$file declared $declared → accepted: $accepted", async ({ file, declared, accepted, real }) => {
    const { res, row } = await upload(file, declared);
    if (accepted) {
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(["uploaded", "queued", "processing", "processed"]).toContain(row.status);
    } else {
      expect(res.status).toBe(422);
      expect(row.status).toBe("rejected");
      expect(row.rejectReason).toBe(`The file was declared as ${declared} but its contents are ${real}.`);
    }
    expect(row.realType).toBe(real);
  });

  it("quarantines a rejected file's bytes until the grace ends, then the sweep pass deletes them", async () => {
    const { row } = await upload("theora.ogv", "audio/ogg");
    expect(row.status).toBe("rejected");
    // Kept, and the quarantine is on the row (the admin detail shows the raw row) and in the timeline.
    expect(row.quarantineUntil!.getTime()).toBeGreaterThan(Date.now());
    expect(await headObject(row.storageKey)).not.toBeNull();
    const rejected = (await listUploadEvents(row.id)).find((e) => e.type === "rejected");
    expect((rejected!.detail as { quarantineUntil: string }).quarantineUntil).toBe(row.quarantineUntil!.toISOString());

    // Within the grace the pass leaves it alone...
    await purgeExpiredQuarantine({ limit: 1000 });
    expect(await headObject(row.storageKey)).not.toBeNull();
    // ...and once the grace has passed it deletes the bytes and says so.
    await transitionUpload({
      id: row.id,
      from: ["rejected"],
      to: "rejected",
      set: { quarantineUntil: new Date(Date.now() - 1000) },
      event: { type: "test_grace_over", source: "test" },
    });
    // The sweep runs the pass on every run.
    const sweep = await runSweep({ trigger: "manual" });
    expect(sweep.status === "locked" ? "locked" : sweep.counts.quarantine_purged).toBeGreaterThanOrEqual(1);
    expect(await headObject(row.storageKey)).toBeNull();
    const after = (await getUploadById(row.id))!;
    expect(after.objectDeletedAt).not.toBeNull();
    expect((await listUploadEvents(row.id)).map((e) => e.type)).toContain("quarantine_purged");
  });
});
