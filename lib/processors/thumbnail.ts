import { GetObjectCommand } from "@aws-sdk/client-s3";
import sharp, { type OutputInfo } from "sharp";
import { saveDerived } from "@/lib/derived/derived-files";
import { getEnv } from "@/lib/env";
import { PermanentJobError } from "@/lib/jobs/job-errors";
import { getS3 } from "@/lib/storage/s3-client";
import type { ThumbnailMade } from "./catalog";
import { describeInput, FfmpegError, runFfmpeg } from "./media/ffmpeg";
import { withRangedSource } from "./media/ranged-source";
import { previewError, withPreviewFallback } from "./preview-fallback";
import type { Processor, ProcessorContext, ThumbnailResult } from "./processor";

/** The poster's longest side. */
const POSTER_MAX_PX = 640;
/** Frames the `thumbnail` filter compares after the seek (about a second of video). */
const THUMBNAIL_WINDOW_FRAMES = 30;
/** Where to look for a poster, as shares of the duration: later points only if the earlier frame is near black. */
const SEEK_POINTS = [0.1, 0.3, 0.5];
/** Mean luma (0–255) under which a frame counts as black (fades, title cards on black). */
const BLACK_LUMA = 24;
const FFMPEG_TIMEOUT_MS = 120_000;
/** sharp's default `limitInputPixels` (0x3FFF × 0x3FFF), said in the reason. */
const PIXEL_LIMIT_MEGAPIXELS = Math.round((0x3fff * 0x3fff) / 1e6);

/**
 * A poster for a video (a representative frame, not a black first frame) or a smaller
 * WebP copy of an image, stored under derived/<uploadId>/ and recorded in derived_files.
 * A file whose picture cannot be decoded gets `{ available: false, reason }` instead.
 */
export async function makeThumbnail(ctx: ProcessorContext): Promise<ThumbnailResult> {
  if (ctx.payload.size === 0) throw new PermanentJobError("The file is empty.", "empty");
  return withPreviewFallback(ctx, "thumbnail", ["thumbnail"], () => (ctx.payload.type.startsWith("image/") ? imageThumbnail(ctx) : videoPoster(ctx)));
}

async function videoPoster(ctx: ProcessorContext): Promise<ThumbnailMade> {
  const { frame, atSeconds } = await withRangedSource(ctx, async (input) => {
    const info = await describeInput(input, ctx.signal, FFMPEG_TIMEOUT_MS);
    if (!info.hasVideo) throw previewError("The file has no video picture to make a poster from.", "no_video_stream");
    // Short clips have no room for a seek: their best frame is among the first.
    const points = info.duration && info.duration > 2 ? SEEK_POINTS.map((p) => p * info.duration!) : [0];
    let best: { frame: Buffer; atSeconds: number; luma: number } | null = null;
    for (const at of points) {
      const frame = await grabRepresentativeFrame(input, at, ctx.signal);
      if (!frame.length) continue;
      const luma = await meanLuma(frame);
      if (!best || luma > best.luma) best = { frame, atSeconds: at, luma };
      if (luma >= BLACK_LUMA) break;
    }
    if (!best) throw previewError("The video's frames could not be decoded for a poster.", "undecodable");
    return best;
  });
  const poster = await storePoster(ctx.payload.uploadId, await sharp(frame).webp({ quality: 80 }).toBuffer({ resolveWithObject: true }));
  return { ...poster, atSeconds: Number(atSeconds.toFixed(3)) };
}

async function storePoster(uploadId: string, encoded: { data: Buffer; info: OutputInfo }): Promise<ThumbnailMade> {
  const { data, info } = encoded;
  const { width, height } = info;
  const saved = await saveDerived({ uploadId, kind: "thumbnail", ext: "webp", contentType: "image/webp", body: data, width, height });
  return { width, height, bytes: saved.bytes };
}

/**
 * Seeks (input-side, to the keyframe at or before `at`; with passthrough sync the frames
 * from there on are kept, not decoded up to `at` and dropped) and lets ffmpeg's
 * `thumbnail` filter pick the frame closest to the window's average histogram, which
 * skips flashes and cuts. Reads about a second of video after that keyframe.
 */
async function grabRepresentativeFrame(input: string[], at: number, signal: AbortSignal): Promise<Buffer> {
  // Quoted so the commas inside min() are not read as filter separators; never enlarged.
  const fit = `w='min(${POSTER_MAX_PX},iw)':h='min(${POSTER_MAX_PX},ih)':force_original_aspect_ratio=decrease`;
  const filter = `thumbnail=${THUMBNAIL_WINDOW_FRAMES},scale=${fit}`;
  try {
    const seek = ["-ss", at.toFixed(3), "-noaccurate_seek", ...input, "-map", "0:v:0", "-an", "-sn", "-vsync", "passthrough"];
    const { stdout } = await runFfmpeg([...seek, "-vf", filter, "-frames:v", "1", "-f", "image2pipe", "-c:v", "png", "pipe:1"], {
      signal,
      timeoutMs: FFMPEG_TIMEOUT_MS,
    });
    return stdout;
  } catch (error) {
    if (error instanceof FfmpegError) throw previewError("The video's frames could not be decoded for a poster.", "undecodable", error);
    throw error;
  }
}

/** Mean luma (Rec. 601) of an image. */
async function meanLuma(image: Buffer): Promise<number> {
  const { channels } = await sharp(image).stats();
  const [r, g, b] = channels.map((c) => c.mean);
  return g === undefined || b === undefined ? (r ?? 0) : 0.299 * r! + 0.587 * g + 0.114 * b;
}

/**
 * Images are read whole (a decoder needs all of them), streamed into sharp, never
 * buffered by us. A read error is storage's (retried); once every byte is in, an error
 * is sharp's: the image cannot be decoded or is over its pixel limit (no preview).
 */
async function imageThumbnail(ctx: ProcessorContext): Promise<ThumbnailMade> {
  const { bucket, key, etag, uploadId } = ctx.payload;
  const out = await getS3().send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(etag ? { IfMatch: `"${etag}"` } : {}) }), {
    abortSignal: AbortSignal.any([ctx.signal, AbortSignal.timeout(getEnv().S3_REQUEST_TIMEOUT_MS * 4)]),
  });
  if (!out.Body) throw new Error("GetObject returned no body");
  const resize = sharp({ failOn: "error" }).rotate().resize(POSTER_MAX_PX, POSTER_MAX_PX, { fit: "inside", withoutEnlargement: true }).webp({ quality: 80 });
  let read = 0;
  const result = resize.toBuffer({ resolveWithObject: true });
  // Sharp may give up before the last byte (a header it cannot read); its error is judged below.
  result.catch(() => {});
  try {
    for await (const chunk of out.Body as AsyncIterable<Uint8Array>) {
      read += chunk.byteLength;
      if (!resize.write(chunk)) await new Promise((resolve) => resize.once("drain", resolve).once("error", resolve));
    }
    resize.end();
  } catch (error) {
    resize.destroy();
    throw error;
  } finally {
    ctx.countBytes(read);
  }
  let encoded: { data: Buffer; info: OutputInfo };
  try {
    encoded = await result;
  } catch (error) {
    const tooLarge = error instanceof Error && /pixel limit/i.test(error.message);
    throw tooLarge
      ? previewError(`The image is larger than ${PIXEL_LIMIT_MEGAPIXELS} megapixels, the most a thumbnail is made from.`, "too_large", error)
      : previewError("The image could not be decoded for a thumbnail.", "undecodable", error);
  }
  return storePoster(uploadId, encoded);
}

export const THUMBNAIL_PROCESSOR: Processor<ThumbnailResult> = { name: "thumbnail", run: makeThumbnail };
