/**
 * What kind of streams an ambiguous container holds. MP4, WebM/Matroska and Ogg carry
 * audio-only and video files alike, so the container's signature cannot tell `audio/mp4`
 * from `video/mp4`: the tracks can. Reads only headers, through ranged reads.
 * Returns null when the tracks could not be found in the bytes it allows itself; the
 * caller then accepts either family rather than reject a file it could not read.
 */
export type TrackKind = "video" | "audio";
export type ReadRange = (offset: number, length: number) => Promise<Uint8Array>;

const ascii = (b: Uint8Array, at: number, n: number) => String.fromCharCode(...b.subarray(at, at + n));
const u32 = (b: Uint8Array, at: number) => ((b[at]! << 24) >>> 0) + (b[at + 1]! << 16) + (b[at + 2]! << 8) + b[at + 3]!;

function decide(kinds: Set<TrackKind>): TrackKind | null {
  if (kinds.has("video")) return "video";
  if (kinds.has("audio")) return "audio";
  return null;
}

// ── Ogg: every stream starts with a BOS page, and all BOS pages come first ──────────
const OGG_CODECS: [number[], TrackKind][] = [
  [[0x80, ...Array.from("theora", (c) => c.charCodeAt(0))], "video"],
  [[0x01, ...Array.from("video", (c) => c.charCodeAt(0))], "video"],
  [Array.from("BBCD", (c) => c.charCodeAt(0)), "video"],
  [[0x80, ...Array.from("daala", (c) => c.charCodeAt(0))], "video"],
  [[0x01, ...Array.from("vorbis", (c) => c.charCodeAt(0))], "audio"],
  [Array.from("OpusHead", (c) => c.charCodeAt(0)), "audio"],
  [[0x7f, ...Array.from("FLAC", (c) => c.charCodeAt(0))], "audio"],
  [Array.from("Speex   ", (c) => c.charCodeAt(0)), "audio"],
];

export function oggTracks(head: Uint8Array): TrackKind | null {
  const kinds = new Set<TrackKind>();
  let pos = 0;
  for (let pages = 0; pages < 64 && pos + 27 <= head.length && ascii(head, pos, 4) === "OggS"; pages++) {
    const bos = (head[pos + 5]! & 0x02) !== 0;
    if (!bos) break;
    const segments = head[pos + 26]!;
    const start = pos + 27 + segments;
    let length = 0;
    for (let i = 0; i < segments; i++) length += head[pos + 27 + i]!;
    for (const [signature, kind] of OGG_CODECS) {
      if (signature.every((v, i) => head[start + i] === v)) kinds.add(kind);
    }
    pos = start + length;
  }
  return decide(kinds);
}

// ── Matroska / WebM: Segment → Tracks → TrackEntry → TrackType (1 video, 2 audio) ──
const EBML_HEADER = 0x1a45dfa3;
const SEGMENT = 0x18538067;
const TRACKS = 0x1654ae6b;
const TRACK_ENTRY = 0xae;
const TRACK_TYPE = 0x83;
const CLUSTER = 0x1f43b675;

function vint(b: Uint8Array, at: number, keepMarker: boolean): { value: number; length: number; unknown: boolean } | null {
  const first = b[at];
  if (first === undefined || first === 0) return null;
  const length = Math.clz32(first) - 23;
  if (at + length > b.length) return null;
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    value = value * 256 + b[at + i]!;
    if (b[at + i] !== 0xff) allOnes = false;
  }
  return { value, length, unknown: !keepMarker && allOnes };
}

// biome-ignore lint/suspicious/noConfusingVoidType: a visitor returns true to stop, or nothing
function children(b: Uint8Array, start: number, end: number, visit: (id: number, body: number, size: number) => boolean | undefined | void): void {
  let pos = start;
  while (pos < end) {
    const id = vint(b, pos, true);
    if (!id) return;
    const size = vint(b, pos + id.length, false);
    if (!size || size.unknown) return;
    const body = pos + id.length + size.length;
    if (visit(id.value, body, size.value) === false) return;
    pos = body + size.value;
  }
}

export async function matroskaTracks(read: ReadRange, fileSize: number): Promise<TrackKind | null> {
  let buf = await read(0, Math.min(fileSize, 64 * 1024));
  const header = vint(buf, 0, true);
  if (header?.value !== EBML_HEADER) return null;
  const headerSize = vint(buf, header.length, false);
  if (!headerSize) return null;
  let pos = header.length + headerSize.length + headerSize.value;
  const segId = vint(buf, pos, true);
  if (segId?.value !== SEGMENT) return null;
  const segSize = vint(buf, pos + segId.length, false);
  if (!segSize) return null;
  pos += segId.length + segSize.length;
  // Walk the Segment's top-level elements until Tracks (it precedes the first Cluster).
  for (let steps = 0; steps < 64 && pos < fileSize; steps++) {
    const window = await windowAt(read, buf, pos, fileSize);
    const id = vint(window.bytes, 0, true);
    const size = id && vint(window.bytes, id.length, false);
    if (!id || !size || size.unknown || id.value === CLUSTER) return null;
    const bodyOffset = pos + id.length + size.length;
    if (id.value === TRACKS) {
      if (size.value > 1024 * 1024) return null;
      const body = await read(bodyOffset, size.value);
      const kinds = new Set<TrackKind>();
      children(body, 0, body.length, (entryId, entryBody, entrySize) => {
        if (entryId !== TRACK_ENTRY) return;
        children(body, entryBody, entryBody + entrySize, (fieldId, fieldBody, fieldSize) => {
          if (fieldId !== TRACK_TYPE) return;
          let type = 0;
          for (let i = 0; i < fieldSize; i++) type = type * 256 + body[fieldBody + i]!;
          if (type === 1) kinds.add("video");
          if (type === 2) kinds.add("audio");
        });
      });
      return decide(kinds);
    }
    pos = bodyOffset + size.value;
    buf = window.source;
  }
  return null;
}

/** Bytes at `pos` (at least an element header), from the buffer when it covers them. */
async function windowAt(read: ReadRange, buf: Uint8Array, pos: number, fileSize: number) {
  if (pos + 16 <= buf.length) return { bytes: buf.subarray(pos), source: buf };
  const bytes = await read(pos, Math.min(16, fileSize - pos));
  return { bytes, source: buf };
}

// ── ISO-BMFF (MP4, MOV, 3GP): moov → trak → mdia → hdlr handler type ────────────
const MAX_MOOV_BYTES = 64 * 1024 * 1024;

function boxes(b: Uint8Array, start: number, end: number, visit: (type: string, body: number, bodyEnd: number) => void): void {
  let pos = start;
  while (pos + 8 <= end) {
    let size = u32(b, pos);
    const type = ascii(b, pos + 4, 4);
    let header = 8;
    if (size === 1) {
      size = u32(b, pos + 8) * 2 ** 32 + u32(b, pos + 12);
      header = 16;
    } else if (size === 0) size = end - pos;
    if (size < header || pos + size > end) return;
    visit(type, pos + header, pos + size);
    pos += size;
  }
}

export async function isoBmffTracks(read: ReadRange, fileSize: number): Promise<TrackKind | null> {
  let pos = 0;
  for (let steps = 0; steps < 64 && pos + 8 <= fileSize; steps++) {
    const h = await read(pos, Math.min(16, fileSize - pos));
    if (h.length < 8) return null;
    let size = u32(h, 0);
    const type = ascii(h, 4, 4);
    let header = 8;
    if (size === 1) {
      if (h.length < 16) return null;
      size = u32(h, 8) * 2 ** 32 + u32(h, 12);
      header = 16;
    } else if (size === 0) size = fileSize - pos;
    if (size < header) return null;
    if (type === "moov") {
      if (size > MAX_MOOV_BYTES) return null;
      const moov = await read(pos + header, size - header);
      const kinds = new Set<TrackKind>();
      boxes(moov, 0, moov.length, (t, body, end) => {
        if (t !== "trak") return;
        boxes(moov, body, end, (t2, body2, end2) => {
          if (t2 !== "mdia") return;
          boxes(moov, body2, end2, (t3, body3) => {
            if (t3 !== "hdlr") return;
            const handler = ascii(moov, body3 + 8, 4);
            if (handler === "vide") kinds.add("video");
            if (handler === "soun") kinds.add("audio");
          });
        });
      });
      return decide(kinds);
    }
    pos += size;
  }
  return null;
}
