/**
 * Thumbnail and storyboard benchmark: the share of a 1 GiB MP4's bytes each processor
 * reads, and its time, for a faststart file (moov first) and the same file with moov at
 * the end. Loopback only; bounded in time; runs in a test world (bench/world.ts).
 *
 *   npx tsx bench/thumbnail-bench.ts [--no-baseline]
 *
 * The storyboard runs both ways in the same run, on the same file: `per-tile` (one ffmpeg
 * process per tile, 4 at a time: the earlier way, the baseline) and `batched` (10 seeks
 * per process, 2 at a time: what the worker does), with the ratio of time and of bytes.
 * `--no-baseline` skips the per-tile run. `--undecodable` adds a third file: the faststart
 * one with every byte after its `mdat` header overwritten by noise (container intact, no
 * frame decodes), to measure what "no preview" costs (the read budget ends it).
 *
 * The two files (testsrc2 720p30 + a sine, H.264 CBR 24 Mbit/s, a keyframe every 2 s,
 * ~6 min) are made once with the shipped ffmpeg and cached in .data/bench-media.
 * Target: the faststart poster reads ≤ 2 % of the file.
 */
import "./world";
import "@/lib/db/node";
import { randomFillSync } from "node:crypto";
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readSync, renameSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, UploadPartCommand } from "@aws-sdk/client-s3";
import { ROOT_DIR } from "@/dev/stack/local-defaults";
import type { ProcessorContext } from "@/lib/processors/processor";
import { benchStack } from "./world";

const MiB = 1024 * 1024;
const PART = 64 * MiB;
const TARGET_BYTES = 1024 * MiB;
const BITRATE = 24_000_000;
const HARD_LIMIT_MS = 1_200_000;
// Outside the slot's data dir, so every slot and run reuses the same 2 GiB of media.
const MEDIA_DIR = join(ROOT_DIR, ".data", "bench-media");

setTimeout(() => {
  console.error(`benchmark exceeded ${HARD_LIMIT_MS} ms, aborting`);
  process.exit(2);
}, HARD_LIMIT_MS).unref();

type Row = { file: string; processor: string; read: number; size: number; ms: number; detail: string };
const BASELINE = !process.argv.includes("--no-baseline");
const UNDECODABLE = process.argv.includes("--undecodable");

async function makeMedia(): Promise<{ faststart: string; moovAtEnd: string; undecodable: string }> {
  const { runFfmpeg } = await import("@/lib/processors/media/ffmpeg");
  mkdirSync(MEDIA_DIR, { recursive: true });
  const moovAtEnd = join(MEDIA_DIR, "moov-at-end.mp4");
  const faststart = join(MEDIA_DIR, "faststart.mp4");
  const never = new AbortController().signal;
  const seconds = Math.ceil((TARGET_BYTES * 8) / BITRATE);
  if (!existsSync(moovAtEnd)) {
    console.log(`[bench] encoding ${seconds} s of 720p H.264 at ${BITRATE / 1e6} Mbit/s (once; cached in ${MEDIA_DIR})…`);
    const rate = String(BITRATE);
    await runFfmpeg(
      [
        ...["-y", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", String(seconds)],
        ...["-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast", "-g", "60", "-pix_fmt", "yuv420p"],
        ...["-b:v", rate, "-minrate", rate, "-maxrate", rate, "-bufsize", rate, "-x264-params", "nal-hrd=cbr", "-c:a", "aac", "-b:a", "128k"],
        `${moovAtEnd}.tmp.mp4`,
      ],
      { signal: never, timeoutMs: 900_000 },
    );
    renameSync(`${moovAtEnd}.tmp.mp4`, moovAtEnd);
  }
  if (!existsSync(faststart)) {
    await runFfmpeg(["-y", "-i", moovAtEnd, "-c", "copy", "-movflags", "+faststart", `${faststart}.tmp.mp4`], { signal: never, timeoutMs: 300_000 });
    renameSync(`${faststart}.tmp.mp4`, faststart);
  }
  const undecodable = join(MEDIA_DIR, "undecodable.mp4");
  if (UNDECODABLE && !existsSync(undecodable)) {
    // Same container, noise for samples: written in 64 MiB chunks, never whole in memory.
    copyFileSync(faststart, `${undecodable}.tmp.mp4`);
    const fd = openSync(`${undecodable}.tmp.mp4`, "r+");
    try {
      const head = Buffer.alloc(16 * MiB);
      readSync(fd, head, 0, head.length, 0);
      const mdat = head.indexOf("mdat");
      if (mdat < 0) throw new Error("no mdat box in the first 16 MiB");
      const size = statSync(faststart).size;
      for (let offset = mdat + 4; offset < size; offset += 64 * MiB) {
        writeSync(fd, randomFillSync(Buffer.alloc(Math.min(64 * MiB, size - offset))), 0, undefined, offset);
      }
    } finally {
      closeSync(fd);
    }
    renameSync(`${undecodable}.tmp.mp4`, undecodable);
  }
  return { faststart, moovAtEnd, undecodable };
}

async function main() {
  const stack = await benchStack();
  Object.assign(process.env, stack.env);
  for (const name of ["S3_ENDPOINT", "POSTGRES_URL"] as const) {
    const host = new URL(process.env[name]!).hostname;
    if (!["127.0.0.1", "localhost", "::1", "[::1]"].includes(host)) throw new Error(`${name} is not a loopback address; this benchmark only runs locally.`);
  }
  const media = await makeMedia();
  const { getS3, getBucket } = await import("@/lib/storage/s3-client");
  const { headObject, deleteObject } = await import("@/lib/storage/objects");
  const { createTestUser } = await import("@/tests/helpers/auth");
  const { createUpload } = await import("@/lib/uploads/create-upload");
  const { deleteDerived } = await import("@/lib/derived/derived-files");
  const { RUNNERS } = await import("@/lib/processors/runners");
  const { makeStoryboard } = await import("@/lib/processors/storyboard");
  const { DEFAULT_ANALYSIS_OPTIONS } = await import("@/lib/processors/catalog");
  const { closeDb } = await import("@/lib/db/node");
  const s3 = getS3();
  const bucket = getBucket();
  const rows: Row[] = [];
  const created: { key: string; uploadId: string }[] = [];

  async function putFile(path: string, key: string) {
    const size = statSync(path).size;
    const fd = openSync(path, "r");
    try {
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: "video/mp4" }));
      const parts: { PartNumber: number; ETag: string }[] = [];
      for (let n = 1, offset = 0; offset < size; n++, offset += PART) {
        const body = Buffer.alloc(Math.min(PART, size - offset));
        readSync(fd, body, 0, body.length, offset);
        const out = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: n, Body: body }));
        parts.push({ PartNumber: n, ETag: out.ETag! });
      }
      await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
    } finally {
      closeSync(fd);
    }
    return (await headObject(key))!;
  }

  try {
    const user = await createTestUser({ plan: "pro" });
    const files: [string, string][] = [
      ["faststart", media.faststart],
      ["moov at end", media.moovAtEnd],
    ];
    if (UNDECODABLE) files.push(["undecodable", media.undecodable]);
    for (const [label, path] of files) {
      // A real upload row for derived_files to hang from; the bytes go to a bench key.
      const upload = await createUpload(user.id, {
        name: "bench.mp4",
        type: "video/mp4",
        size: 1000,
        projectId: user.projectId,
        options: DEFAULT_ANALYSIS_OPTIONS,
      });
      const key = `bench/thumbnail/${upload.upload.id}.mp4`;
      created.push({ key, uploadId: upload.upload.id });
      console.log(`[bench] uploading ${label} (${(statSync(path).size / MiB).toFixed(0)} MiB)…`);
      const head = await putFile(path, key);
      const runs = [
        { name: "thumbnail", run: RUNNERS.thumbnail.run },
        ...(BASELINE ? [{ name: "storyboard per-tile (before)", run: (ctx: ProcessorContext) => makeStoryboard(ctx, "per-tile") }] : []),
        { name: "storyboard batched", run: (ctx: ProcessorContext) => makeStoryboard(ctx, "batched") },
      ];
      for (const { name, run } of runs) {
        const read = { bytes: 0 };
        const ctx = {
          payload: {
            ...{ v: 1 as const, uploadId: upload.upload.id, bucket, key, size: head.size, type: "video/mp4", etag: head.etag },
            ...{ userId: user.id, projectId: user.projectId, plan: "pro" as const, confirmedBy: "client" as const, replay: 0 },
            options: { sniff: false, checksum: false, probe: false, thumbnail: true, storyboard: true },
          },
          attempt: 0,
          signal: new AbortController().signal,
          countBytes: (n: number) => {
            read.bytes += n;
          },
        };
        const started = performance.now();
        const result = await run(ctx);
        const ms = performance.now() - started;
        const detail =
          "available" in result
            ? `no preview: ${result.reason}`
            : "tiles" in result
              ? `${result.tiles} tiles, sprite ${result.width}×${result.height}`
              : `poster ${result.width}×${result.height} at ${result.atSeconds} s`;
        rows.push({ file: label, processor: name, read: read.bytes, size: head.size, ms, detail });
        console.log(
          `[bench] ${label} ${name}: ${(read.bytes / MiB).toFixed(1)} MiB (${((100 * read.bytes) / head.size).toFixed(2)} %), ${(ms / 1000).toFixed(2)} s — ${detail}`,
        );
      }
    }
  } finally {
    for (const c of created) {
      await deleteDerived(c.uploadId).catch(() => {});
      await deleteObject(c.key).catch(() => {});
    }
    await closeDb();
    await stack.stop();
  }

  console.log("\n| file | processor | bytes read | share of file | time | output |\n| --- | --- | --- | --- | --- | --- |");
  for (const r of rows) {
    console.log(
      `| ${r.file} | ${r.processor} | ${(r.read / MiB).toFixed(1)} MiB | ${((100 * r.read) / r.size).toFixed(2)} % | ${(r.ms / 1000).toFixed(2)} s | ${r.detail} |`,
    );
  }
  if (BASELINE) {
    console.log("\n| file | storyboard time, per-tile → batched | ratio | bytes read, per-tile → batched | ratio |\n| --- | --- | --- | --- | --- |");
    for (const file of new Set(rows.map((r) => r.file))) {
      const before = rows.find((r) => r.file === file && r.processor.startsWith("storyboard per-tile"));
      const after = rows.find((r) => r.file === file && r.processor === "storyboard batched");
      if (!before || !after) continue;
      const pct = (r: Row) => `${((100 * r.read) / r.size).toFixed(2)} %`;
      console.log(
        `| ${file} | ${(before.ms / 1000).toFixed(1)} s → ${(after.ms / 1000).toFixed(1)} s | ×${(after.ms / before.ms).toFixed(2)} | ${pct(before)} → ${pct(after)} | ×${(after.read / before.read).toFixed(2)} |`,
      );
    }
  }
  const poster = rows.find((r) => r.file === "faststart" && r.processor === "thumbnail")!;
  const share = (100 * poster.read) / poster.size;
  console.log(`\nfaststart poster: ${share.toFixed(2)} % of the file (target ≤ 2 %): ${share <= 2 ? "OK" : "MISSED"}`);
  process.exit(share <= 2 ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
