import sharp from "sharp";
import { saveDerived } from "@/lib/derived/derived-files";
import type { StoryboardMade } from "./catalog";
import { describeInput, FfmpegError, runFfmpeg } from "./media/ffmpeg";
import { withRangedSource } from "./media/ranged-source";
import { previewError, withPreviewFallback } from "./preview-fallback";
import type { Processor, ProcessorContext, StoryboardResult } from "./processor";

const TILE_WIDTH = 160;
const MAX_TILES = 100;
const MAX_COLUMNS = 10;
/** At most one tile per this many seconds: a 10 s clip gets 5 tiles, not 100 near-identical ones. */
const MIN_INTERVAL_SECONDS = 2;
/**
 * Tiles per ffmpeg process: one input (`-ss t -i url`) and one output per tile. Each
 * input holds its own copy of the container index (~5 MiB for an hour-long MP4 here), so
 * 100 inputs in one process took 520 MiB; 10 take ~70 MiB and most of the gain.
 */
const BATCH_TILES = 10;
/** Batches at once (the worker has few cores; each batch is one ffmpeg process). */
const BATCH_CONCURRENCY = 2;
/** One process per tile (the earlier way, kept as the benchmark's baseline and the fallback for a failed batch): processes at once. */
const PER_TILE_CONCURRENCY = 4;
const FFMPEG_TIMEOUT_MS = 60_000;

/** `batched`: ~10 seeks per ffmpeg process (the default); `per-tile`: one process per tile, the earlier way. */
export type StoryboardMode = "batched" | "per-tile";

export type StoryboardLayout = { tiles: number; columns: number; rows: number; interval: number; tileWidth: number; tileHeight: number };

/** Evenly spaced tiles over the duration, in a grid of at most MAX_COLUMNS columns. */
export function storyboardLayout(duration: number, width: number, height: number): StoryboardLayout {
  const tiles = Math.max(1, Math.min(MAX_TILES, Math.floor(duration / MIN_INTERVAL_SECONDS)));
  const columns = Math.min(MAX_COLUMNS, tiles);
  // Even height, as encoders and players expect; the picture's aspect ratio is kept.
  const tileHeight = Math.max(2, Math.round((TILE_WIDTH * height) / width / 2) * 2);
  return { tiles, columns, rows: Math.ceil(tiles / columns), interval: duration / tiles, tileWidth: TILE_WIDTH, tileHeight };
}

const clock = (seconds: number) => {
  const ms = Math.round(seconds * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor(ms / 60_000) % 60;
  const s = Math.floor(ms / 1000) % 60;
  return `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}.${String(ms % 1000).padStart(3, "0")}`;
};

/** WebVTT whose cues point into the sprite (`#xywh=`), the form players use for seek previews. */
export function storyboardVtt(layout: StoryboardLayout, duration: number, spriteName: string): string {
  const cues = Array.from({ length: layout.tiles }, (_, i) => {
    const x = (i % layout.columns) * layout.tileWidth;
    const y = Math.floor(i / layout.columns) * layout.tileHeight;
    const end = i === layout.tiles - 1 ? duration : (i + 1) * layout.interval;
    return `${clock(i * layout.interval)} --> ${clock(end)}\n${spriteName}#xywh=${x},${y},${layout.tileWidth},${layout.tileHeight}`;
  });
  return `WEBVTT\n\n${cues.join("\n\n")}\n`;
}

/**
 * One sprite sheet of evenly spaced frames plus its WebVTT. Each frame is a seek to the
 * keyframe at or before its time and one decoded picture, so the file is read at ~tiles
 * GOPs, not whole; the container index is read from storage once (the source caches it).
 */
export function makeStoryboard(ctx: ProcessorContext, mode: StoryboardMode = "batched"): Promise<StoryboardResult> {
  return withPreviewFallback(ctx, "storyboard", ["storyboard", "storyboard-vtt"], () => storyboard(ctx, mode));
}

async function storyboard(ctx: ProcessorContext, mode: StoryboardMode): Promise<StoryboardMade> {
  const { uploadId } = ctx.payload;
  const { layout, tiles, duration } = await withRangedSource(ctx, async (input) => {
    const info = await describeInput(input, ctx.signal, FFMPEG_TIMEOUT_MS);
    if (!info.hasVideo || !info.width || !info.height) throw previewError("The file has no video picture to make a storyboard from.", "no_video_stream");
    if (!info.duration) throw previewError("The video's duration is unknown, so frames cannot be spaced over it.", "no_duration");
    const layout = storyboardLayout(info.duration, info.width, info.height);
    const times = Array.from({ length: layout.tiles }, (_, i) => (i + 0.5) * layout.interval);
    const tiles =
      mode === "per-tile"
        ? await inParallel(times, 1, PER_TILE_CONCURRENCY, ([at]) => grabTile(input, at!, layout, ctx.signal).then((t) => [t]))
        : await inParallel(times, BATCH_TILES, BATCH_CONCURRENCY, (batch) => grabBatch(input, batch, layout, ctx.signal));
    // A few undecodable frames leave black tiles; none at all is no storyboard.
    if (tiles.every((t) => t === null)) throw previewError("The video's frames could not be decoded for a storyboard.", "undecodable");
    return { layout, tiles, duration: info.duration };
  });

  const width = layout.columns * layout.tileWidth;
  const height = layout.rows * layout.tileHeight;
  const raw = { width: layout.tileWidth, height: layout.tileHeight, channels: 3 as const };
  const sprite = await sharp({ create: { width, height, channels: 3, background: "#000" } })
    .composite(
      tiles.flatMap((tile, i) =>
        tile ? [{ input: tile, raw, left: (i % layout.columns) * layout.tileWidth, top: Math.floor(i / layout.columns) * layout.tileHeight }] : [],
      ),
    )
    .jpeg({ quality: 70 })
    .toBuffer();
  const spriteFile = await saveDerived({ uploadId, kind: "storyboard", ext: "jpg", contentType: "image/jpeg", body: sprite, width, height });
  const spriteName = spriteFile.key.slice(spriteFile.key.lastIndexOf("/") + 1);
  await saveDerived({ uploadId, kind: "storyboard-vtt", ext: "vtt", contentType: "text/vtt", body: storyboardVtt(layout, duration, spriteName) });
  return {
    width,
    height,
    bytes: spriteFile.bytes,
    tiles: layout.tiles,
    columns: layout.columns,
    tileWidth: layout.tileWidth,
    tileHeight: layout.tileHeight,
    interval: Number(layout.interval.toFixed(3)),
  };
}

/** Runs `grab` over consecutive groups of `size` items, `concurrency` groups at once; results in item order. */
async function inParallel<T, R>(items: T[], size: number, concurrency: number, grab: (group: T[]) => Promise<R[]>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const start = next;
      next += size;
      const results = await grab(items.slice(start, start + size));
      results.forEach((r, i) => {
        out[start + i] = r;
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.ceil(items.length / size)) }, worker));
  return out;
}

/**
 * The frames at `times` from one ffmpeg process: one input per time (each with its own
 * `-ss … -noaccurate_seek`, so the keyframe at or before it) and one output per input,
 * `-frames:v 1` each, written to its own pipe. ffmpeg stops reading an input once its
 * output has its frame. With several inputs ffmpeg 4.1 gives each a demuxer thread that
 * reads 8 packets ahead (+56 % bytes over 100 tiles, measured); `-thread_queue_size 1`
 * keeps that to one. `-skip_frame nokey` keeps the decoder from decoding past the
 * keyframe; `-threads 1` keeps ten decoders from each starting a thread pool.
 * Tiles a batch could not give are grabbed one by one (the earlier way), unless the
 * whole batch failed and its first tile alone fails too (nothing in this file decodes).
 */
async function grabBatch(input: string[], times: number[], layout: StoryboardLayout, signal: AbortSignal): Promise<(Buffer | null)[]> {
  const bytes = layout.tileWidth * layout.tileHeight * 3;
  const scale = `scale=${layout.tileWidth}:${layout.tileHeight}`;
  const inputs = times.flatMap((at) => [
    "-thread_queue_size",
    "1",
    "-threads",
    "1",
    "-skip_frame",
    "nokey",
    "-ss",
    at.toFixed(3),
    "-noaccurate_seek",
    ...input,
  ]);
  const outputs = times.flatMap((_, i) => ["-map", `${i}:v:0`, "-frames:v", "1", "-vf", scale, "-f", "rawvideo", "-pix_fmt", "rgb24", `pipe:${3 + i}`]);
  const { pipes } = await runFfmpeg([...inputs, "-vsync", "passthrough", ...outputs], {
    signal,
    timeoutMs: FFMPEG_TIMEOUT_MS,
    allowFailure: true,
    pipes: times.length,
  });
  const tiles: (Buffer | null)[] = pipes.map((frame) => (frame.byteLength === bytes ? frame : null));
  if (tiles.every((t) => t !== null)) return tiles;
  if (!tiles.some((t) => t !== null)) {
    const first = await grabTile(input, times[0]!, layout, signal);
    if (!first) return tiles;
    tiles[0] = first;
  }
  for (let i = 0; i < times.length; i++) tiles[i] ??= await grabTile(input, times[i]!, layout, signal);
  return tiles;
}

/**
 * One frame as raw RGB at tile size; null when nothing decodes there (the tile stays
 * black). The frame is the keyframe at or before `at`: `-noaccurate_seek` keeps ffmpeg
 * from decoding up to `at`, and `-vsync passthrough` from dropping the frames before it
 * (the default constant-frame-rate sync for raw output did, reading ~1 s more per tile).
 */
async function grabTile(input: string[], at: number, layout: StoryboardLayout, signal: AbortSignal): Promise<Buffer | null> {
  const args = ["-ss", at.toFixed(3), "-noaccurate_seek", ...input, "-map", "0:v:0", "-an", "-sn", "-vsync", "passthrough", "-frames:v", "1"];
  const scale = `scale=${layout.tileWidth}:${layout.tileHeight}`;
  try {
    const { stdout } = await runFfmpeg([...args, "-vf", scale, "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"], { signal, timeoutMs: FFMPEG_TIMEOUT_MS });
    return stdout.byteLength === layout.tileWidth * layout.tileHeight * 3 ? stdout : null;
  } catch (error) {
    if (error instanceof FfmpegError) return null;
    throw error;
  }
}

export const STORYBOARD_PROCESSOR: Processor<StoryboardResult> = { name: "storyboard", run: makeStoryboard };
