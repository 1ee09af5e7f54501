import { fileTypeFromBuffer } from "file-type";
import { baseType } from "@/lib/plans/plans";
import { isoBmffTracks, matroskaTracks, oggTracks, type ReadRange, type TrackKind } from "./media-tracks";

/**
 * How many leading bytes detection reads first (one ranged GET). Enough for file-type's
 * signatures, an MPEG-TS packet pair, Ogg's first pages and a WebM's Tracks element
 * (ffmpeg writes ~4 KiB of reserved space before it); an MP4's moov is fetched apart.
 */
export const SNIFF_BYTES = 64 * 1024;

export type DetectedType = {
  /** The real type, normalised to the names of the allowlist (lib/plans). */
  mime: string;
  /**
   * For containers that hold audio-only and video files alike (MP4, WebM/Matroska, Ogg,
   * MPEG-TS): what the tracks say, or null when they could not be read. Null for others.
   */
  tracks: TrackKind | null;
  /** True for those ambiguous containers. */
  ambiguous: boolean;
};

// file-type's names → the allowlist's names.
const ALIASES: Record<string, string> = {
  "video/vnd.avi": "video/x-msvideo",
  "video/mp1s": "video/mpeg",
  "video/mp2p": "video/mpeg",
  "audio/x-m4a": "audio/mp4",
  "audio/x-flac": "audio/flac",
  "audio/wave": "audio/wav",
  "audio/x-wav": "audio/wav",
};

type Family = "isobmff" | "matroska" | "ogg" | "mpegts";
const CONTAINER: Record<string, Family> = {
  "video/mp4": "isobmff",
  "audio/mp4": "isobmff",
  "video/quicktime": "isobmff",
  "video/x-m4v": "isobmff",
  "video/3gpp": "isobmff",
  "video/3gpp2": "isobmff",
  "video/webm": "matroska",
  "video/x-matroska": "matroska",
  "audio/webm": "matroska",
  "audio/x-matroska": "matroska",
  "audio/ogg": "ogg",
  "audio/opus": "ogg",
  "video/ogg": "ogg",
  "video/mp2t": "mpegts",
};

/** The container's type for what its tracks hold. */
function byTracks(family: Family, mime: string, kind: TrackKind): string {
  switch (family) {
    case "isobmff":
      return kind === "audio" ? "audio/mp4" : mime.startsWith("video/") ? mime : "video/mp4";
    case "matroska":
      return `${kind}/${mime.endsWith("webm") ? "webm" : "x-matroska"}`;
    case "ogg":
      return `${kind}/ogg`;
    case "mpegts":
      return mime;
  }
}

/**
 * The real type of a stored file, from its bytes: file-type (a maintained detector) on the
 * first bytes, then the tracks of an ambiguous container. Null when nothing matches.
 * `head` is the first SNIFF_BYTES (or the whole file, if smaller); `read` fetches more.
 */
export async function detectType(head: Uint8Array, read: ReadRange, size: number): Promise<DetectedType | null> {
  const found = await fileTypeFromBuffer(head);
  if (!found) return null;
  let mime = baseType(found.mime);
  mime = ALIASES[mime] ?? mime;
  const family = CONTAINER[mime];
  if (!family) return { mime, tracks: null, ambiguous: false };
  const cached: ReadRange = (offset, length) =>
    offset + length <= head.length ? Promise.resolve(head.subarray(offset, offset + length)) : read(offset, length);
  let tracks: TrackKind | null = null;
  if (family === "isobmff") tracks = await isoBmffTracks(cached, size);
  else if (family === "matroska") tracks = await matroskaTracks(cached, size);
  else if (family === "ogg") tracks = oggTracks(head);
  return { mime: tracks ? byTracks(family, mime, tracks) : mime, tracks, ambiguous: true };
}

const family = (t: string) => (baseType(t) === "application/pdf" ? "pdf" : baseType(t).split("/")[0]);

/**
 * Whether the declared type fits the detected one: the same family (`video/mp4` and
 * `video/quicktime` are both video). An ambiguous container whose tracks could not be
 * read fits either audio or video: a valid file is never rejected for our limits.
 */
export function typeMatches(declared: string, detected: DetectedType): boolean {
  const want = family(declared);
  if (want === family(detected.mime)) return true;
  return detected.ambiguous && detected.tracks === null && (want === "audio" || want === "video");
}
