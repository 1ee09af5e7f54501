import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as storyboardRoute from "@/app/api/uploads/[id]/storyboard.vtt/route";
import { getDb } from "@/lib/db/client";
import { derivedFiles, projectMembers } from "@/lib/db/schema";
import { deleteDerived, listDerived } from "@/lib/derived/derived-files";
import { parseStoryboardVtt } from "@/lib/derived/storyboard-cues";
import type { ProcessorContext } from "@/lib/processors/processor";
import { RUNNERS } from "@/lib/processors/runners";
import { headObject, putObject, readHead } from "@/lib/storage/objects";
import { getBucket } from "@/lib/storage/s3-client";
import { newUploadId } from "@/lib/uploads/upload-id";
import { createTestUser, type TestUser } from "../helpers/auth";
import { callRoute } from "../helpers/requests";
import { storedUpload } from "../helpers/stored-upload";
import { makeTestVideo } from "../helpers/test-video";

let owner: TestUser;
let member: TestUser;
let stranger: TestUser;
let admin: TestUser;
let video: Buffer;
/** A processed 10 s video whose storyboard the real processor made. */
let boarded: string;

type Status = "processed" | "pending" | "failed" | "deleted";

/** A stored upload of the owner's (row and object), a 10 s video unless told otherwise. */
function upload(user: TestUser, status: Status, bytes: Uint8Array = video, type = "video/mp4") {
  const name = type === "video/mp4" ? "clip.mp4" : "paper.pdf";
  const row = status === "deleted" ? { deletedAt: new Date(), objectDeletedAt: new Date() } : {};
  return storedUpload(user, { name, bytes, type, status, row });
}

/** Runs the real storyboard processor on a stored upload (sprite sheet + VTT in the bucket, rows in derived_files). */
async function makeStoryboard(id: string, key: string) {
  const head = (await headObject(key))!;
  const ctx: ProcessorContext = {
    payload: {
      v: 1,
      uploadId: id,
      bucket: getBucket(),
      key,
      size: head.size,
      type: "video/mp4",
      etag: head.etag,
      userId: owner.id,
      projectId: owner.projectId,
      plan: "free",
      options: { sniff: false, checksum: false, probe: false, thumbnail: false, storyboard: true },
      confirmedBy: "client",
      replay: 0,
    },
    attempt: 0,
    signal: new AbortController().signal,
    countBytes: () => {},
  };
  await RUNNERS.storyboard.run(ctx);
}

const track = (user: TestUser | null, id: string) =>
  callRoute(storyboardRoute.GET, { cookie: user?.cookie, params: { id }, path: `/api/uploads/${id}/storyboard.vtt` });

async function storedVtt(id: string): Promise<string> {
  const row = (await listDerived(id)).find((r) => r.kind === "storyboard-vtt")!;
  return new TextDecoder().decode(await readHead(row.storageKey, 1024 * 1024));
}

beforeAll(async () => {
  [owner, member, stranger, admin] = await Promise.all([createTestUser(), createTestUser(), createTestUser(), createTestUser({ role: "admin" })]);
  await getDb().insert(projectMembers).values({ projectId: owner.projectId, userId: member.id, role: "member" });
  video = await makeTestVideo(join(mkdtempSync(join(tmpdir(), "biblio-track-")), "clip.mp4"), 10);
  const up = await upload(owner, "processed");
  await makeStoryboard(up.id, up.key);
  boarded = up.id;
}, 180_000);

afterAll(async () => {
  if (boarded) await deleteDerived(boarded);
});

describe("GET /api/uploads/:id/storyboard.vtt", () => {
  it("answers the stored cues, same times and tiles, each pointing at a signed URL that fetches the sprite sheet", async () => {
    const res = await track(owner, boarded);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/vtt; charset=utf-8");
    expect(res.headers.get("cache-control")).toContain("no-store");

    const stored = parseStoryboardVtt(await storedVtt(boarded));
    const served = parseStoryboardVtt(res.body as string);
    // 10 s, one tile per 2 s.
    expect(stored).toHaveLength(5);
    expect(served.map(({ url: _, ...tile }) => tile)).toEqual(stored.map(({ url: _, ...tile }) => tile));
    // The stored cues name the sprite relative to the VTT (a key in the private bucket); the served ones are absolute.
    expect(new Set(stored.map((c) => c.url))).toEqual(new Set(["storyboard.jpg"]));
    for (const cue of served) {
      expect(cue.url).toMatch(new RegExp(`^https?://.+/derived/${boarded}/storyboard\\.jpg\\?.*X-Amz-Signature=`));
      const got = await fetch(cue.url);
      expect(got.status).toBe(200);
      expect(got.headers.get("content-type")).toBe("image/jpeg");
      const meta = await sharp(Buffer.from(await got.arrayBuffer())).metadata();
      // Every tile's rectangle lies inside the sheet it points at.
      expect(meta.format).toBe("jpeg");
      expect(cue.x + cue.w).toBeLessThanOrEqual(meta.width!);
      expect(cue.y + cue.h).toBeLessThanOrEqual(meta.height!);
    }
  });

  it("serves the project's members as it serves the owner", async () => {
    const res = await track(member, boarded);
    expect(res.status).toBe(200);
    expect(parseStoryboardVtt(res.body as string)).toHaveLength(5);
  });

  it("answers a stranger and an admin exactly as an unknown id (404), and an anonymous caller 401", async () => {
    const unknown = await track(owner, newUploadId());
    expect(unknown.status).toBe(404);
    for (const caller of [stranger, admin]) {
      const res = await track(caller, boarded);
      expect(res.status).toBe(404);
      expect(res.body).toEqual(unknown.body);
    }
    expect((await track(null, boarded)).status).toBe(401);
  });

  it("answers 409 for a processed file without a storyboard, a file not processed yet, and a deleted one", async () => {
    const pdf = await upload(owner, "processed", new TextEncoder().encode("%PDF-1.4\n%%EOF\n"), "application/pdf");
    const none = await track(owner, pdf.id);
    expect(none.status).toBe(409);
    expect(none.body.error.message).toBe("This file has no storyboard.");

    const pending = await upload(owner, "pending");
    const early = await track(owner, pending.id);
    expect(early.status).toBe(409);
    expect(early.body.error.message).toMatch(/This file is pending/);

    const gone = await upload(owner, "deleted");
    expect((await track(owner, gone.id)).body.error).toMatchObject({ code: "conflict", message: "This file has been deleted." });
  });

  it("refuses to sign anything but the sprite stored beside the VTT", async () => {
    const up = await upload(owner, "processed");
    const vtt = "WEBVTT\n\n00:00:00.000 --> 00:00:10.000\n../../uploads/someone-else.jpg#xywh=0,0,160,120\n";
    for (const [kind, body, type] of [
      ["storyboard", new Uint8Array([0xff, 0xd8, 0xff]), "image/jpeg"],
      ["storyboard-vtt", new TextEncoder().encode(vtt), "text/vtt"],
    ] as const) {
      const key = `derived/${up.id}/${kind}.${kind === "storyboard" ? "jpg" : "vtt"}`;
      await putObject(key, body, type);
      await getDb().insert(derivedFiles).values({ uploadId: up.id, kind, storageKey: key, contentType: type, bytes: body.length });
    }
    const res = await track(owner, up.id);
    expect(res.status).toBe(500);
    expect(res.body.error.message).toBe("The storyboard could not be read.");
    expect(JSON.stringify(res.body)).not.toContain("someone-else");
    await deleteDerived(up.id);
  });
});
