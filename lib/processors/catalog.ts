import { z } from "zod";
import type { DerivedKind } from "@/lib/db/schema";
import { formatDuration } from "@/lib/format/duration";
import type { PlanId } from "@/lib/plans/plans";

/**
 * The one definition of every processor, safe to import in the browser (zod and plain
 * functions only; the server's `run`s are in ./runners.ts). The job options schema, the
 * uploader's checkboxes, the result types and the results view all derive from it.
 * Adding a processor: an entry here, its `run` file, and one line in ./runners.ts.
 */

/** One row of a result block; `testId` marks values the e2e suite reads. */
export type ResultField = { label: string; value: string; testId?: string; code?: boolean };
/** What a processor's result block shows: fields, derived images, or a sentence. */
export type ResultView = { fields?: ResultField[]; previews?: DerivedKind[]; note?: string };
/** What the results view knows of the upload besides the processor's own result. */
export type UploadFacts = { type: string; realType: string | null };

type Definition<S extends z.ZodType> = {
  label: string;
  /** One line under the checkbox. */
  description: string;
  defaultOn: boolean;
  plans: readonly PlanId[];
  /** File types it has something to say about (by the confirmed MIME type); others skip it. */
  appliesTo: (mime: string) => boolean;
  result: S;
  view: (result: z.infer<S> | undefined, upload: UploadFacts) => ResultView;
  /** Short parts of the one-line summary in lists. */
  summary?: (result: z.infer<S>) => string[];
};

const define = <S extends z.ZodType>(d: Definition<S>) => d;
const ALL_PLANS = ["free", "pro"] as const;
const anyType = () => true;
const isVideo = (mime: string) => mime.startsWith("video/");
const isVisual = (mime: string) => isVideo(mime) || mime.startsWith("image/");
const compact = (fields: (ResultField | null)[]) => fields.filter((f): f is ResultField => f !== null);
const field = (label: string, value: string | null | undefined, extra: Partial<ResultField> = {}): ResultField | null =>
  value == null || value === "" ? null : { label, value, ...extra };

const PROBE_RESULT = z.object({
  container: z.string().nullable(),
  duration: z.number().nullable(),
  videoCodec: z.string().nullable(),
  width: z.number().nullable(),
  height: z.number().nullable(),
  frameRate: z.number().nullable(),
  audioCodec: z.string().nullable(),
  sampleRate: z.number().nullable(),
  channels: z.number().nullable(),
  bitrate: z.number().nullable(),
});

const formatBitrate = (bps: number) => (bps >= 1_000_000 ? `${(bps / 1_000_000).toFixed(1)} Mb/s` : `${Math.round(bps / 1000)} kb/s`);
const channelsText = (n: number) => (n === 1 ? "1 (mono)" : n === 2 ? "2 (stereo)" : String(n));

/** An image file a processor wrote under derived/<uploadId>/. */
const DERIVED_IMAGE = z.object({ width: z.number().int(), height: z.number().int(), bytes: z.number().int() });

/**
 * A preview that cannot be made from this file (a codec ffmpeg cannot decode, a corrupt
 * stream, an image too large): recorded instead of failing the upload, whose bytes are fine.
 */
export const PREVIEW_UNAVAILABLE = z.object({ available: z.literal(false), reason: z.string() });
export type PreviewUnavailable = z.infer<typeof PREVIEW_UNAVAILABLE>;
/** A preview processor's result: what it made, or why there is none. Results stored before this still parse (first branch). */
const previewResult = <S extends z.ZodObject>(made: S) => z.union([made, PREVIEW_UNAVAILABLE]);
export const isPreviewUnavailable = (r: unknown): r is PreviewUnavailable =>
  typeof r === "object" && r !== null && (r as { available?: unknown }).available === false;
const noPreview = (r: PreviewUnavailable): ResultView => ({ note: `No preview: ${r.reason}` });

/** Run order: sniff first (a wrong type fails before any long read), the rest side by side. */
export const PROCESSORS = {
  sniff: define({
    label: "Content type",
    description: "the real type, from the file's first bytes",
    defaultOn: true,
    plans: ALL_PLANS,
    appliesTo: anyType,
    result: z.object({ mime: z.string() }),
    view: (r, upload) => {
      const detected = r?.mime ?? upload.realType;
      const differs = detected && detected !== upload.type ? " (differs from the declared type)" : "";
      return {
        fields: compact([field("Declared", upload.type || "unknown"), field("Detected", detected && `${detected}${differs}`, { testId: "result-mime" })]),
      };
    },
    summary: (r) => [r.mime],
  }),
  checksum: define({
    label: "Checksum",
    description: "SHA-256 of the whole file",
    defaultOn: true,
    plans: ALL_PLANS,
    appliesTo: anyType,
    result: z.object({
      sha256: z.string(),
      /** Only for single-part uploads, whose ETag is the MD5 of the bytes. */
      md5: z.string().optional(),
      /** Absent when the ETag cannot be compared (multipart ETags are an MD5 of part MD5s). */
      etagMatches: z.boolean().optional(),
      /** Why the ETag was not compared, e.g. `multipart (4 parts)`. */
      etagNotCompared: z.string().optional(),
      bytes: z.number(),
      /** Set when this checksum continued from a saved hash state: the byte it resumed at. */
      resumedFrom: z.number().optional(),
    }),
    view: (r) =>
      r
        ? {
            fields: compact([
              field("SHA-256", r.sha256, { testId: "result-sha256", code: true }),
              field("Storage ETag", r.etagMatches == null ? null : r.etagMatches ? "Matches the stored object" : "Does not match the stored object"),
            ]),
          }
        : {},
    summary: (r) => [`SHA-256 ${r.sha256.slice(0, 8)}…${r.sha256.slice(-8)}`],
  }),
  probe: define({
    label: "Media details",
    description: "codecs, resolution, duration",
    defaultOn: true,
    plans: ALL_PLANS,
    appliesTo: anyType,
    result: PROBE_RESULT,
    view: (p) => {
      if (!p) return {};
      const fields = compact([
        field("Container", p.container),
        field("Duration", p.duration != null ? formatDuration(p.duration * 1000, { clock: true }) : null),
        field("Video codec", p.videoCodec),
        field("Resolution", p.width && p.height ? `${p.width} × ${p.height}` : null),
        field("Frame rate", p.frameRate != null ? `${Number(p.frameRate.toFixed(3))} fps` : null),
        field("Audio codec", p.audioCodec),
        field("Sample rate", p.sampleRate != null ? `${(p.sampleRate / 1000).toFixed(1).replace(/\.0$/, "")} kHz` : null),
        field("Channels", p.channels != null ? channelsText(p.channels) : null),
        field("Bitrate", p.bitrate != null ? formatBitrate(p.bitrate) : null),
      ]);
      return fields.length ? { fields } : { note: "This file has no audio or video streams to describe." };
    },
    summary: (p) => [
      p.width && p.height ? `${p.width}×${p.height}` : "",
      p.videoCodec ?? "",
      p.audioCodec ?? "",
      p.duration != null ? `${p.duration.toFixed(1)} s` : "",
    ],
  }),
  thumbnail: define({
    label: "Thumbnail",
    description: "a poster from a representative frame, or a smaller copy of an image",
    defaultOn: true,
    plans: ALL_PLANS,
    appliesTo: isVisual,
    result: previewResult(
      DERIVED_IMAGE.extend({
        /** Where in a video the poster was looked for (s; the frame is within a keyframe interval of it); absent for images. */ atSeconds: z
          .number()
          .optional(),
      }),
    ),
    view: (r) =>
      isPreviewUnavailable(r)
        ? noPreview(r)
        : r
          ? {
              previews: ["thumbnail"],
              fields: compact([
                field("Size", `${r.width} × ${r.height}`),
                field("Frame at", r.atSeconds != null ? formatDuration(r.atSeconds * 1000, { clock: true }) : null),
              ]),
            }
          : {},
    summary: (r) => (isPreviewUnavailable(r) ? ["no preview"] : []),
  }),
  storyboard: define({
    label: "Storyboard",
    description: "a sprite sheet of frames and WebVTT for seek previews (video)",
    defaultOn: true,
    plans: ALL_PLANS,
    appliesTo: isVideo,
    result: previewResult(
      DERIVED_IMAGE.extend({
        tiles: z.number().int(),
        columns: z.number().int(),
        tileWidth: z.number().int(),
        tileHeight: z.number().int(),
        /** Seconds between two tiles. */
        interval: z.number(),
      }),
    ),
    view: (r) =>
      isPreviewUnavailable(r)
        ? noPreview(r)
        : r
          ? {
              previews: ["storyboard"],
              fields: [{ label: "Frames", value: `${r.tiles}, one every ${Number(r.interval.toFixed(1))} s`, testId: "result-storyboard-tiles" }],
            }
          : {},
    summary: (r) => (isPreviewUnavailable(r) ? ["no storyboard"] : []),
  }),
};

export type ProcessorName = keyof typeof PROCESSORS;
export const PROCESSOR_NAMES = Object.keys(PROCESSORS) as ProcessorName[];
export type ProcessorResultOf<N extends ProcessorName> = z.infer<(typeof PROCESSORS)[N]["result"]>;
/** The shape of `uploads.result`: each processor's result under its name. */
export type UploadResult = { [N in ProcessorName]?: ProcessorResultOf<N> };
/** Which processors run on a file, one flag each. */
export type AnalysisOptions = Record<ProcessorName, boolean>;

export type ChecksumResult = ProcessorResultOf<"checksum">;
export type SniffResult = ProcessorResultOf<"sniff">;
export type ProbeResult = ProcessorResultOf<"probe">;
export type ThumbnailResult = ProcessorResultOf<"thumbnail">;
export type StoryboardResult = ProcessorResultOf<"storyboard">;
/** What a preview processor made when it could make it. */
export type ThumbnailMade = Exclude<ThumbnailResult, PreviewUnavailable>;
export type StoryboardMade = Exclude<StoryboardResult, PreviewUnavailable>;

/** Every option at its default: what a new upload gets unless the user unticks something. */
export const DEFAULT_ANALYSIS_OPTIONS = Object.fromEntries(PROCESSOR_NAMES.map((n) => [n, PROCESSORS[n].defaultOn])) as AnalysisOptions;

/** The options schema of create requests and job payloads; a missing flag takes the processor's default. */
export const ANALYSIS_OPTIONS = z
  .object(
    Object.fromEntries(PROCESSOR_NAMES.map((n) => [n, z.boolean().default(PROCESSORS[n].defaultOn)])) as Record<ProcessorName, z.ZodDefault<z.ZodBoolean>>,
  )
  .strict();

export function processorsForPlan(plan: PlanId): ProcessorName[] {
  return PROCESSOR_NAMES.filter((n) => PROCESSORS[n].plans.includes(plan));
}

/** One line of what processing found, for lists. */
export function summarizeResult(result: UploadResult | null): string[] {
  if (!result) return [];
  return PROCESSOR_NAMES.flatMap((n) => {
    const r = result[n];
    const summary = PROCESSORS[n].summary as ((r: unknown) => string[]) | undefined;
    return r && summary ? summary(r).filter(Boolean) : [];
  });
}
