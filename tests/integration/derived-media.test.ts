import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32, deflateSync } from "node:zlib";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as processRoute from "@/app/api/jobs/process/route";
import * as completeRoute from "@/app/api/uploads/[id]/complete/route";
import * as uploadsRoute from "@/app/api/uploads/route";
import { listDerivedFiles } from "@/lib/db/queries/derived-files";
import { getOrphan } from "@/lib/db/queries/storage-orphans";
import { getUploadById, listUploadEvents } from "@/lib/db/queries/uploads";
import { deleteDerived, isDerivedKey, saveDerived, signedDerivedUrl } from "@/lib/derived/derived-files";
import { PermanentJobError } from "@/lib/jobs/job-errors";
import type { JobPayload } from "@/lib/jobs/job-payload";
import { isPreviewUnavailable, type PreviewUnavailable } from "@/lib/processors/catalog";
import { FfmpegError, runFfmpeg } from "@/lib/processors/media/ffmpeg";
import { withRangedSource } from "@/lib/processors/media/ranged-source";
import type { ProcessorContext } from "@/lib/processors/processor";
import { RUNNERS } from "@/lib/processors/runners";
import { makeStoryboard, storyboardLayout } from "@/lib/processors/storyboard";
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

/** A preview processor's result when it made its file; fails the test on "no preview". */
function made<R extends object>(result: R | PreviewUnavailable): R {
  if (isPreviewUnavailable(result)) throw new Error(`expected a preview, got none: ${result.reason}`);
  return result;
}

const download = async (url: string) => new Uint8Array(await (await fetch(url)).arrayBuffer());

describe("thumbnail processor", () => {
  it("makes a WebP poster from a frame that is not black, stored under derived/ and recorded", async () => {
    const id = await storeUpload("clip.mp4", "video/mp4", clip);
    const { ctx, read } = await contextFor(id);
    const result = made(await RUNNERS.thumbnail.run(ctx));

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

  it("batched seeks (10 per ffmpeg process) give the same sprite as one process per tile, from no more than twice the bytes", async () => {
    const id = await storeUpload("batched.mp4", "video/mp4", long);
    const perTile = await contextFor(id);
    expect(made(await makeStoryboard(perTile.ctx, "per-tile")).tiles).toBe(30);
    const before = await download((await signedDerivedUrl(id, "storyboard"))!);
    const batched = await contextFor(id);
    expect(made(await makeStoryboard(batched.ctx, "batched")).tiles).toBe(30);
    const after = await download((await signedDerivedUrl(id, "storyboard"))!);
    // The same keyframes, decoded and encoded alike: the same JPEG, byte for byte.
    expect(sha256(after)).toBe(sha256(before));
    expect(batched.read.bytes).toBeLessThanOrEqual(2 * perTile.read.bytes);
  });

  it("reads a bounded share of the file: the index once, then one keyframe per tile", async () => {
    const id = await storeUpload("long-board.mp4", "video/mp4", long);
    const { ctx, read } = await contextFor(id);
    const result = made(await RUNNERS.storyboard.run(ctx));
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

/** The same MP4 with its video samples overwritten by noise: the container (ftyp, moov) is intact, no frame decodes. */
function withGarbageSamples(video: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const out = video.slice();
  const mdat = Buffer.from(out.buffer).indexOf("mdat");
  expect(mdat).toBeGreaterThan(0);
  // Deterministic noise (a xorshift), from just past the box header to the end.
  let x = 0x9e3779b9;
  for (let i = mdat + 4; i < out.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** A valid PNG whose header claims width × height pixels (tiny on disk: one row of zeros, then IEND). */
function pngClaiming(width: number, height: number): Uint8Array<ArrayBuffer> {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale, no interlace
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(Buffer.alloc(width + 1))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
  return new Uint8Array(png);
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** The upload is processed with its checksum, the preview says why there is none, and nothing derived is left. */
async function expectProcessedWithoutPreview(id: string, bytes: Uint8Array, processors: ("thumbnail" | "storyboard")[], reason: RegExp) {
  const row = await completeAndProcess(id);
  expect(row.failureReason).toBeNull();
  expect(row.status).toBe("processed");
  const result = row.result as Record<string, unknown>;
  expect(result.checksum).toMatchObject({ sha256: sha256(bytes), bytes: bytes.length });
  for (const name of processors) expect(result[name]).toEqual({ available: false, reason: expect.stringMatching(reason) });
  expect(await listDerivedFiles(id)).toEqual([]);
  for (const key of [`derived/${id}/thumbnail.webp`, `derived/${id}/storyboard.jpg`, `derived/${id}/storyboard-vtt.vtt`]) {
    expect(await headObject(key)).toBeNull();
  }
  const events = await listUploadEvents(id);
  const unavailable = events.filter((e) => e.type === "preview_unavailable").map((e) => (e.detail as { processor: string }).processor);
  expect(unavailable.sort()).toEqual([...processors].sort());
}

// Whole uploads through the worker (completeAndProcess waits up to 90 s on a loaded machine).
describe("a preview that cannot be made degrades instead of failing the upload", { timeout: 120_000 }, () => {
  it("a video/mp4 whose samples are garbage is processed, with no poster and no storyboard", async () => {
    const garbage = withGarbageSamples(clip);
    const id = await storeUpload("garbage.mp4", "video/mp4", garbage);
    await expectProcessedWithoutPreview(id, garbage, ["thumbnail", "storyboard"], /could not be decoded/);
    // Detected as video/mp4 by its bytes, so both previews were attempted, not skipped.
    const row = (await getUploadById(id))!;
    expect(row.result).toMatchObject({ sniff: { mime: "video/mp4" } });
  });

  it("an image over sharp's pixel limit is processed, with no thumbnail", async () => {
    const huge = pngClaiming(20_000, 20_000);
    const id = await storeUpload("huge.png", "image/png", huge);
    await expectProcessedWithoutPreview(id, huge, ["thumbnail"], /larger than 268 megapixels/);
  });

  it("a corrupt JPEG (valid magic, then noise) is processed, with no thumbnail", async () => {
    const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#a33" } })
      .jpeg()
      .toBuffer();
    // Keep the markers up to the first scan's header; the entropy-coded data becomes noise.
    const corrupt = new Uint8Array(jpeg);
    const sos = jpeg.indexOf(Buffer.from([0xff, 0xda]));
    for (let i = sos + 14; i < corrupt.length - 2; i++) corrupt[i] = (i * 131) & 0xff;
    corrupt[4] = 0; // and a broken APP0 length
    corrupt[5] = 1;
    const id = await storeUpload("corrupt.jpg", "image/jpeg", corrupt);
    await expectProcessedWithoutPreview(id, corrupt, ["thumbnail"], /could not be decoded/);
  });

  it("a preview left by an earlier attempt is removed when this one finds none", async () => {
    const garbage = withGarbageSamples(clip);
    const id = await storeUpload("stale.mp4", "video/mp4", garbage);
    await saveDerived({ uploadId: id, kind: "thumbnail", ext: "webp", contentType: "image/webp", body: new Uint8Array(8), width: 1, height: 1 });
    const { ctx } = await contextFor(id);
    expect(await RUNNERS.thumbnail.run(ctx)).toEqual({ available: false, reason: "The video's frames could not be decoded for a poster." });
    expect(await listDerivedFiles(id)).toEqual([]);
    expect(await headObject(`derived/${id}/thumbnail.webp`)).toBeNull();
  });

  it("an undecodable video's read stops at the read budget, as no preview, instead of running to the end of the file", async () => {
    const garbage = withGarbageSamples(clip);
    const id = await storeUpload("endless.mp4", "video/mp4", garbage);
    const grab = (input: string[]) =>
      runFfmpeg(["-ss", "1", "-noaccurate_seek", ...input, "-map", "0:v:0", "-frames:v", "1", "-f", "rawvideo", "pipe:1"], {
        signal: never,
        timeoutMs: 60_000,
      });
    const budget = 160 * 1024;
    // Without a budget that bites, ffmpeg reads on from the seek point looking for a frame that decodes.
    const unbounded = await contextFor(id);
    await expect(withRangedSource(unbounded.ctx, grab)).rejects.toBeInstanceOf(FfmpegError);
    expect(unbounded.read.bytes).toBeGreaterThan(2 * budget);
    const bounded = await contextFor(id);
    await expect(withRangedSource(bounded.ctx, grab, budget)).rejects.toMatchObject({ name: "PermanentJobError", code: "undecodable" });
    expect(bounded.read.bytes).toBeLessThanOrEqual(budget);
  });

  it("a storage failure still throws: a changed object, a missing one", async () => {
    const id = await storeUpload("moved.mp4", "video/mp4", clip);
    const { ctx } = await contextFor(id);
    const changed = { ...ctx, payload: { ...ctx.payload, etag: "0123456789abcdef0123456789abcdef" } };
    for (const name of ["thumbnail", "storyboard"] as const) {
      const error = await RUNNERS[name].run(changed).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(PermanentJobError);
      expect((error as PermanentJobError).code).toBe("object_changed");
    }
    // A key with no object: the ranged GET answers 404, an error that is retried, not "no preview".
    const missing = { ...ctx, payload: { ...ctx.payload, key: `uploads/${id}/missing.mp4` } };
    for (const name of ["thumbnail", "storyboard"] as const) {
      await expect(RUNNERS[name].run(missing)).rejects.toThrow(/404/);
    }
    const image = { ...ctx, payload: { ...ctx.payload, type: "image/png", key: `uploads/${id}/missing.png` } };
    await expect(RUNNERS.thumbnail.run(image)).rejects.toThrow();
    expect(await listDerivedFiles(id)).toEqual([]);
    expect((await listUploadEvents(id)).map((e) => e.type)).not.toContain("preview_unavailable");
  });
});
