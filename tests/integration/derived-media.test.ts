import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as processRoute from "@/app/api/jobs/process/route";
import * as completeRoute from "@/app/api/uploads/[id]/complete/route";
import * as uploadsRoute from "@/app/api/uploads/route";
import { listDerivedFiles } from "@/lib/db/queries/derived-files";
import { getOrphan } from "@/lib/db/queries/storage-orphans";
import { getUploadById } from "@/lib/db/queries/uploads";
import { deleteDerived, isDerivedKey, signedDerivedUrl } from "@/lib/derived/derived-files";
import type { JobPayload } from "@/lib/jobs/job-payload";
import { runFfmpeg } from "@/lib/processors/media/ffmpeg";
import type { ProcessorContext } from "@/lib/processors/processor";
import { RUNNERS } from "@/lib/processors/runners";
import { storyboardLayout } from "@/lib/processors/storyboard";
import { ensureQueues } from "@/lib/queue/ensure-queues";
import { headObject, readRange } from "@/lib/storage/objects";
import { getBucket } from "@/lib/storage/s3-client";
import { handleStorageEvents } from "@/lib/storage-events/handle-storage-events";
import { runSweep } from "@/lib/sweep/run-sweep";
import { createTestUser, type TestUser } from "../helpers/auth";
import { callRoute } from "../helpers/requests";
import { startWorkerHarness, type WorkerHarness, waitFor } from "../helpers/worker-harness";

const dir = mkdtempSync(join(tmpdir(), "biblio-derived-"));
const never = new AbortController().signal;

/**
 * A real H.264 MP4 made by the shipped ffmpeg: `black` seconds of black, then a moving
 * test pattern, at a constant bitrate (so a partial read is a measurable share) with a
 * keyframe every second.
 */
async function makeVideo(name: string, opts: { black: number; seconds: number; kbps: number; faststart: boolean }): Promise<Uint8Array<ArrayBuffer>> {
  const path = join(dir, name);
  const graph = `color=c=black:s=320x240:r=25:d=${opts.black}[b];testsrc2=s=320x240:r=25:d=${opts.seconds - opts.black}[t];[b][t]concat=n=2:v=1:a=0[out0]`;
  const rate = `${opts.kbps}k`;
  await runFfmpeg(
    [
      ...["-y", "-f", "lavfi", "-i", graph, "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p"],
      ...["-b:v", rate, "-minrate", rate, "-maxrate", rate, "-bufsize", rate, "-x264-params", "nal-hrd=cbr"],
      ...(opts.faststart ? ["-movflags", "+faststart"] : []),
      path,
    ],
    { signal: never, timeoutMs: 120_000 },
  );
  return new Uint8Array(readFileSync(path));
}

let user: TestUser;
let harness: WorkerHarness;
let clip: Uint8Array<ArrayBuffer>;
let long: Uint8Array<ArrayBuffer>;

beforeAll(async () => {
  harness = await startWorkerHarness({ "/api/jobs/process": processRoute.POST });
  await ensureQueues();
  user = await createTestUser();
  // 10 s whose first 2 s are black: a first-frame poster would be black.
  clip = await makeVideo("clip.mp4", { black: 2, seconds: 10, kbps: 400, faststart: true });
  // 60 s at 2 Mbit/s (~15 MB): large enough for "read only a part of it" to mean something.
  long = await makeVideo("long.mp4", { black: 0, seconds: 60, kbps: 2000, faststart: true });
});

afterAll(async () => {
  await harness?.stop();
});

/** Creates an upload and stores its bytes (not confirmed): the row the derived files hang from. */
async function storeUpload(name: string, type: string, bytes: Uint8Array<ArrayBuffer>, options?: Record<string, boolean>) {
  const created = await callRoute(uploadsRoute.POST, {
    method: "POST",
    cookie: user.cookie,
    body: { name, type, size: bytes.length, projectId: user.projectId, ...(options ? { options } : {}) },
  });
  expect(created.status).toBe(201);
  const res = await fetch(created.body.put.url, { method: "PUT", headers: created.body.put.headers, body: bytes });
  expect(res.status).toBe(200);
  return created.body.upload.id as string;
}

async function contextFor(uploadId: string) {
  const row = (await getUploadById(uploadId))!;
  const head = (await headObject(row.storageKey))!;
  const payload: JobPayload = {
    v: 1,
    uploadId,
    bucket: getBucket(),
    key: row.storageKey,
    size: head.size,
    type: row.declaredType,
    etag: head.etag,
    userId: row.ownerId,
    projectId: row.projectId,
    plan: "free",
    options: { sniff: true, checksum: true, probe: true, thumbnail: true, storyboard: true },
    confirmedBy: "client",
    replay: 0,
  };
  const read = { bytes: 0 };
  const ctx: ProcessorContext = { payload, attempt: 0, signal: never, countBytes: (n) => (read.bytes += n) };
  return { ctx, read };
}

const download = async (url: string) => new Uint8Array(await (await fetch(url)).arrayBuffer());

describe("thumbnail processor", () => {
  it("makes a WebP poster from a frame that is not black, stored under derived/ and recorded", async () => {
    const id = await storeUpload("clip.mp4", "video/mp4", clip);
    const { ctx, read } = await contextFor(id);
    const result = await RUNNERS.thumbnail.run(ctx);

    // The 10 % point (1 s) is black: the poster comes from a later point.
    expect(result.atSeconds).toBeGreaterThanOrEqual(2);
    expect(result).toMatchObject({ width: 320, height: 240 });
    const url = await signedDerivedUrl(id, "thumbnail");
    const poster = await download(url!);
    const meta = await sharp(poster).metadata();
    expect(meta).toMatchObject({ format: "webp", width: 320, height: 240 });
    const { channels } = await sharp(poster).stats();
    const luma = 0.299 * channels[0]!.mean + 0.587 * channels[1]!.mean + 0.114 * channels[2]!.mean;
    expect(luma).toBeGreaterThan(40);

    const rows = await listDerivedFiles(id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      kind: "thumbnail",
      storageKey: `derived/${id}/thumbnail.webp`,
      contentType: "image/webp",
      bytes: poster.length,
      width: 320,
      height: 240,
    });
    expect(read.bytes).toBeGreaterThan(0);
  });

  it("reads only a small part of a faststart video through the ranged source", async () => {
    const id = await storeUpload("long.mp4", "video/mp4", long);
    const { ctx, read } = await contextFor(id);
    await RUNNERS.thumbnail.run(ctx);
    // A seek to 10 % and about a second of frames (~4 % here): not the 60 s file.
    expect(read.bytes).toBeLessThan(long.length * 0.08);
  });

  it("is idempotent on redelivery: one row and one object, overwritten", async () => {
    const id = await storeUpload("again.mp4", "video/mp4", clip);
    const { ctx } = await contextFor(id);
    const first = await RUNNERS.thumbnail.run(ctx);
    const second = await RUNNERS.thumbnail.run(ctx);
    expect(second).toEqual(first);
    const rows = await listDerivedFiles(id);
    expect(rows.map((r) => r.kind)).toEqual(["thumbnail"]);
  });

  it("makes a resized WebP of an image", async () => {
    const png = await sharp({ create: { width: 1600, height: 900, channels: 3, background: "#3a7" } })
      .png()
      .toBuffer();
    const id = await storeUpload("wide.png", "image/png", new Uint8Array(png));
    const { ctx, read } = await contextFor(id);
    const result = await RUNNERS.thumbnail.run(ctx);
    expect(result).toMatchObject({ width: 640, height: 360 });
    expect(read.bytes).toBe(png.length);
    const poster = await download((await signedDerivedUrl(id, "thumbnail"))!);
    expect(await sharp(poster).metadata()).toMatchObject({ format: "webp", width: 640, height: 360 });
  });
});

describe("storyboard processor", () => {
  it("makes one sprite sheet of evenly spaced frames and a WebVTT with #xywh= cues", async () => {
    const id = await storeUpload("board.mp4", "video/mp4", clip);
    const { ctx } = await contextFor(id);
    const result = await RUNNERS.storyboard.run(ctx);
    // 10 s, one tile per 2 s: 5 tiles of 160 × 120 in one row.
    expect(result).toMatchObject({ tiles: 5, columns: 5, tileWidth: 160, tileHeight: 120, width: 800, height: 120, interval: 2 });

    const sprite = await download((await signedDerivedUrl(id, "storyboard"))!);
    expect(await sharp(sprite).metadata()).toMatchObject({ format: "jpeg", width: 800, height: 120 });
    // The first tile (at 1 s) is black, the last (at 9 s) is the test pattern.
    const tileLuma = async (i: number) => {
      const tile = await sharp(sprite)
        .extract({ left: i * 160, top: 0, width: 160, height: 120 })
        .png()
        .toBuffer();
      return (await sharp(tile).stats()).channels[0]!.mean;
    };
    expect(await tileLuma(0)).toBeLessThan(10);
    expect(await tileLuma(4)).toBeGreaterThan(40);

    const vtt = new TextDecoder().decode(await download((await signedDerivedUrl(id, "storyboard-vtt"))!));
    expect(vtt.startsWith("WEBVTT\n\n")).toBe(true);
    const cues = [...vtt.matchAll(/^(\d\d:\d\d:\d\d\.\d{3}) --> (\d\d:\d\d:\d\d\.\d{3})\nstoryboard\.jpg#xywh=(\d+),(\d+),160,120$/gm)];
    expect(cues).toHaveLength(5);
    expect(cues.map((c) => [c[1], c[3]])).toEqual([
      ["00:00:00.000", "0"],
      ["00:00:02.000", "160"],
      ["00:00:04.000", "320"],
      ["00:00:06.000", "480"],
      ["00:00:08.000", "640"],
    ]);
    expect(cues.at(-1)![2]).toBe("00:00:10.000");

    const rows = await listDerivedFiles(id);
    expect(rows.map((r) => [r.kind, r.storageKey, r.contentType])).toEqual([
      ["storyboard", `derived/${id}/storyboard.jpg`, "image/jpeg"],
      ["storyboard-vtt", `derived/${id}/storyboard-vtt.vtt`, "text/vtt"],
    ]);
    expect(rows[1]!.bytes).toBe(new TextEncoder().encode(vtt).length);
  });

  it("lays out long videos in rows of ten, at most 100 tiles", () => {
    expect(storyboardLayout(3600, 1920, 1080)).toEqual({ tiles: 100, columns: 10, rows: 10, interval: 36, tileWidth: 160, tileHeight: 90 });
    expect(storyboardLayout(1, 640, 480)).toMatchObject({ tiles: 1, columns: 1, rows: 1, interval: 1 });
  });

  it("reads a bounded share of the file: the index once, then one keyframe per tile", async () => {
    const id = await storeUpload("long-board.mp4", "video/mp4", long);
    const { ctx, read } = await contextFor(id);
    const result = await RUNNERS.storyboard.run(ctx);
    expect(result.tiles).toBe(30);
    expect(read.bytes).toBeLessThan(long.length * 0.5);
  });
});

/** Completes the upload through the route and waits for the worker to finish it. */
async function completeAndProcess(id: string) {
  const done = await callRoute(completeRoute.POST, { method: "POST", cookie: user.cookie, params: { id }, body: {} });
  expect(done.status).toBe(200);
  const finished = async () => {
    const r = await getUploadById(id);
    return r?.status === "processed" || r?.status === "failed" ? r : null;
  };
  return waitFor("the worker to finish", finished, 90_000);
}

describe("derived files in the pipeline", () => {
  it("a processed video has its poster and storyboard in its result and rows; deleteDerived removes both", async () => {
    const id = await storeUpload("piped.mp4", "video/mp4", clip);
    const row = await completeAndProcess(id);
    expect(row.status).toBe("processed");
    expect(row.result).toMatchObject({ thumbnail: { width: 320, height: 240 }, storyboard: { tiles: 5 } });
    const rows = await listDerivedFiles(id);
    expect(rows.map((r) => r.kind).sort()).toEqual(["storyboard", "storyboard-vtt", "thumbnail"]);

    expect(await deleteDerived(id)).toBe(3);
    expect(await listDerivedFiles(id)).toEqual([]);
    for (const r of rows) expect(await headObject(r.storageKey)).toBeNull();
  });

  it("a PDF skips the image processors instead of failing", async () => {
    const pdf = new Uint8Array(readFileSync(join(import.meta.dirname, "../fixtures/sample.pdf")));
    const id = await storeUpload("doc.pdf", "application/pdf", pdf);
    const row = await completeAndProcess(id);
    expect(row.status).toBe("processed");
    expect(Object.keys(row.result ?? {}).sort()).toEqual(["checksum", "probe", "sniff"]);
    expect(await listDerivedFiles(id)).toEqual([]);
  });

  it("a storage event for a derived key is neither an orphan nor an upload to confirm", async () => {
    const id = await storeUpload("evented.mp4", "video/mp4", clip);
    const { ctx } = await contextFor(id);
    await RUNNERS.thumbnail.run(ctx);
    const key = `derived/${id}/thumbnail.webp`;
    expect(isDerivedKey(key)).toBe(true);
    const head = (await headObject(key))!;
    const out = await handleStorageEvents([
      { kind: "created", name: "ObjectCreated:Put", bucket: getBucket(), key, size: head.size, etag: head.etag, at: new Date().toISOString() },
    ]);
    expect(out).toEqual([{ key, outcome: "derived" }]);
    expect(await getOrphan(key)).toBeNull();
    expect((await getUploadById(id))!.status).toBe("pending");
  });

  // A whole sweep (every pass) over the shared test bucket: longer than the default 30 s under load.
  it("the sweep neither reports derived objects as orphans nor deletes them", async () => {
    const id = await storeUpload("swept.mp4", "video/mp4", clip);
    const { ctx } = await contextFor(id);
    await RUNNERS.thumbnail.run(ctx);
    const key = `derived/${id}/thumbnail.webp`;
    // Time for every pass, the object walk included, so a partial run cannot pass this.
    const result = await runSweep({ trigger: "manual", maxDurationMs: 170_000 });
    expect(result.status).toBe("done");
    expect(result.status === "done" && result.counts.listed).toBeGreaterThan(0);
    expect(await getOrphan(key)).toBeNull();
    expect((await readRange(key, 0, 4)).byteLength).toBe(4);
    expect(await listDerivedFiles(id)).toHaveLength(1);
  }, 200_000);
});
