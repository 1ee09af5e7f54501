import { createRequire } from "node:module";
import path from "node:path";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import mediaInfoFactory, { type MediaInfo } from "mediainfo.js";
import { PermanentJobError } from "@/lib/jobs/job-errors";
import { log } from "@/lib/log";
import { getS3 } from "@/lib/storage/s3-client";
import type { ProbeResult, Processor, ProcessorContext } from "./processor";

const MiB = 1024 * 1024;
/** MediaInfo hands its parser this much at a time; reads are served from a larger window. */
const PROBE_CHUNK_BYTES = 64 * 1024;
/** The first ranged GET; sequential reads double it, up to the maximum. */
const FIRST_WINDOW_BYTES = 256 * 1024;
const MAX_WINDOW_BYTES = 4 * MiB;
/**
 * What a probe may read: 1 MiB plus 0.25 % of the file. Headers (and an MP4's moov, even
 * at the end of a long, low-bitrate film: ~2.5 MB per GiB at 1 Mbit/s) fit inside it.
 * Without it MediaInfo walks the media data for fields we do not report: on a 300 MiB
 * MP4 it read 67 MB, one 64 KiB chunk at a time.
 */
const BASE_BUDGET_BYTES = 1 * MiB;
const BUDGET_SHARE = 0.0025;

type AnyTrack = { "@type": string; [field: string]: unknown };
const str = (value: unknown): string | undefined => (typeof value === "string" && value ? value : undefined);

// Resolved from the project root rather than this module: inside a Next bundle the
// module's own location is not on disk, node_modules is.
function wasmPath(): string {
  return createRequire(path.join(process.cwd(), "package.json")).resolve("mediainfo.js/MediaInfoModule.wasm");
}

// MediaInfo instances are single-use at a time; idle ones are kept so the WebAssembly
// module is compiled once per process, not once per job.
const idle: MediaInfo<"object">[] = [];

function createMediaInfo(): Promise<MediaInfo<"object">> {
  return mediaInfoFactory({ format: "object", chunkSize: PROBE_CHUNK_BYTES, locateFile: wasmPath });
}

/** Compiles the WebAssembly ahead of the first job (the worker route calls it on load). */
export function warmProbe(): void {
  if (idle.length) return;
  createMediaInfo().then(
    (mi) => idle.push(mi),
    (error: unknown) => log.error("MediaInfo failed to load", { error }),
  );
}

async function withMediaInfo<T>(fn: (mi: MediaInfo<"object">) => Promise<T>): Promise<T> {
  const mi = idle.pop() ?? (await createMediaInfo());
  let healthy = false;
  try {
    const out = await fn(mi);
    healthy = true;
    return out;
  } finally {
    if (healthy && idle.length < 4) {
      mi.reset();
      idle.push(mi);
    } else {
      mi.close();
    }
  }
}

/**
 * Serves MediaInfo's reads from ranged GETs. Sequential reads (parsing boxes in order)
 * grow the GET window so a header walk costs a few requests, not one per 64 KiB; a seek
 * starts a small window again. Once the budget is spent it reports end of data, and
 * MediaInfo finalises with what it has.
 */
export class RangeReader {
  private buffer: { offset: number; bytes: Uint8Array } | null = null;
  private window = FIRST_WINDOW_BYTES;
  fetched = 0;
  requests = 0;

  constructor(
    private readonly ctx: ProcessorContext,
    private readonly budget: number,
  ) {}

  get exhausted(): boolean {
    return this.fetched >= this.budget;
  }

  async read(length: number, offset: number): Promise<Uint8Array> {
    const b = this.buffer;
    if (b && offset >= b.offset && offset + length <= b.offset + b.bytes.byteLength) {
      return b.bytes.subarray(offset - b.offset, offset - b.offset + length);
    }
    if (this.fetched >= this.budget) return new Uint8Array(0);
    const sequential = !!b && offset >= b.offset && offset <= b.offset + b.bytes.byteLength;
    this.window = sequential ? Math.min(this.window * 2, MAX_WINDOW_BYTES) : FIRST_WINDOW_BYTES;
    const want = Math.max(length, Math.min(this.window, this.budget - this.fetched));
    const end = Math.min(this.ctx.payload.size, offset + want);
    const bytes = await this.get(offset, end - offset);
    this.buffer = { offset, bytes };
    return bytes.subarray(0, length);
  }

  private async get(offset: number, length: number): Promise<Uint8Array> {
    const { bucket, key, etag } = this.ctx.payload;
    const out = await getS3().send(
      new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${offset}-${offset + length - 1}`, ...(etag ? { IfMatch: `"${etag}"` } : {}) }),
      { abortSignal: this.ctx.signal },
    );
    const bytes = out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
    this.fetched += bytes.byteLength;
    this.requests++;
    this.ctx.countBytes(bytes.byteLength);
    return bytes;
  }
}

const VIDEO_CODECS: Record<string, string> = { AVC: "h264", HEVC: "hevc", VP8: "vp8", VP9: "vp9", AV1: "av1", "MPEG-4 Visual": "mpeg4", ProRes: "prores" };
const AUDIO_CODECS: Record<string, string> = {
  AAC: "aac",
  Opus: "opus",
  Vorbis: "vorbis",
  FLAC: "flac",
  PCM: "pcm",
  "AC-3": "ac3",
  "E-AC-3": "eac3",
  ALAC: "alac",
};

function videoCodec(track: AnyTrack | undefined): string | null {
  const format = str(track?.Format);
  return format ? (VIDEO_CODECS[format] ?? format) : null;
}

function audioCodec(track: AnyTrack | undefined): string | null {
  const format = str(track?.Format);
  if (!format) return null;
  if (format === "MPEG Audio") return track!.Format_Profile === "Layer 3" ? "mp3" : track!.Format_Profile === "Layer 2" ? "mp2" : "mpeg-audio";
  return AUDIO_CODECS[format] ?? format;
}

function container(general: AnyTrack | undefined): string | null {
  const format = str(general?.Format);
  if (!format) return null;
  if (format === "MPEG-4") return general!.Format_Profile === "QuickTime" ? "QuickTime" : "MP4";
  return format;
}

const num = (value: unknown, digits = 3): number | null => {
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value) : NaN;
  return Number.isFinite(n) ? Number(n.toFixed(digits)) : null;
};

/** Maps MediaInfo's tracks to the result the results view shows; exported for unit tests. */
export function toProbeResult(tracks: AnyTrack[]): ProbeResult {
  const general = tracks.find((t) => t["@type"] === "General");
  const video = tracks.find((t) => t["@type"] === "Video");
  const audio = tracks.find((t) => t["@type"] === "Audio");
  const image = tracks.find((t) => t["@type"] === "Image");
  const visual = video ?? image;
  return {
    container: container(general),
    duration: num(general?.Duration),
    videoCodec: videoCodec(video),
    width: num(visual?.Width, 0),
    height: num(visual?.Height, 0),
    frameRate: num(video?.FrameRate),
    audioCodec: audioCodec(audio),
    sampleRate: num(audio?.SamplingRate, 0),
    channels: num(audio?.Channels, 0),
    bitrate: num(general?.OverallBitRate, 0),
  };
}

/**
 * Media metadata through ranged reads: MediaInfo asks for the ranges it needs (headers,
 * the moov box, a few frames) and each becomes one ranged GET. A truncated or corrupt
 * file fails permanently; retrying would read the same bytes.
 */
export async function probeMedia(ctx: ProcessorContext): Promise<ProbeResult> {
  const { size, type } = ctx.payload;
  if (size === 0) throw new PermanentJobError("The file is empty.", "empty");
  const isMedia = type.startsWith("video/") || type.startsWith("audio/");
  const budget = Math.min(size, BASE_BUDGET_BYTES + Math.ceil(size * BUDGET_SHARE));
  let tracks: AnyTrack[] = [];
  // A second, larger pass only if the budget ran out before any stream was found (a huge
  // header, e.g. a moov far bigger than usual): a valid file must not fail for our limit.
  for (const limit of [budget, Math.min(size, budget * 8)]) {
    const reader = new RangeReader(ctx, limit);
    tracks = await withMediaInfo(async (mi) => {
      const result = await mi.analyzeData(size, (chunk, offset) => reader.read(chunk, offset));
      return (result.media?.track ?? []) as unknown as AnyTrack[];
    });
    const hasStreams = tracks.some((t) => t["@type"] === "Video" || t["@type"] === "Audio");
    if (!isMedia || hasStreams || !reader.exhausted || limit === size) break;
  }
  const general = tracks.find((t) => t["@type"] === "General");
  const extra = (general?.extra ?? {}) as Record<string, unknown>;
  if (extra.IsTruncated === "Yes") throw new PermanentJobError("The media file is truncated: it ends before its own structure says it should.", "truncated");
  const hasStreams = tracks.some((t) => t["@type"] === "Video" || t["@type"] === "Audio");
  if (isMedia && !hasStreams) throw new PermanentJobError("The media file is corrupt: no audio or video stream could be read.", "corrupt");
  return toProbeResult(tracks);
}

export const PROBE_PROCESSOR: Processor<ProbeResult> = { name: "probe", run: probeMedia };
