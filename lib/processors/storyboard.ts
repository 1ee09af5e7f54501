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
/** ffmpeg runs at once; each seeks to one frame. */
const CONCURRENCY = 4;
const FFMPEG_TIMEOUT_MS = 60_000;

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
 * One sprite sheet of evenly spaced frames plus its WebVTT. Each frame is one ffmpeg run
 * that seeks to the keyframe nearest its time and decodes one picture, so the file is
 * read at ~tiles GOPs, not whole; the container index is read once (the source caches it).
 */
export function makeStoryboard(ctx: ProcessorContext): Promise<StoryboardResult> {
  return withPreviewFallback(ctx, "storyboard", ["storyboard", "storyboard-vtt"], () => storyboard(ctx));
}

async function storyboard(ctx: ProcessorContext): Promise<StoryboardMade> {
  const { uploadId } = ctx.payload;
  const { layout, tiles, duration } = await withRangedSource(ctx, async (input) => {
    const info = await describeInput(input, ctx.signal, FFMPEG_TIMEOUT_MS);
    if (!info.hasVideo || !info.width || !info.height) throw previewError("The file has no video picture to make a storyboard from.", "no_video_stream");
    if (!info.duration) throw previewError("The video's duration is unknown, so frames cannot be spaced over it.", "no_duration");
    const layout = storyboardLayout(info.duration, info.width, info.height);
    const tiles: (Buffer | null)[] = new Array(layout.tiles).fill(null);
    let next = 0;
    const worker = async () => {
      while (next < layout.tiles) {
        const i = next++;
        tiles[i] = await grabTile(input, (i + 0.5) * layout.interval, layout, ctx.signal);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, layout.tiles) }, worker));
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
