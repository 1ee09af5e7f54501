// Many distinct, valid media files made from the small fixtures in tests/fixtures: an
// ISO-BMFF file (MP4, QuickTime) gets a trailing `free` box of unique filler, an MP3 gets
// an ID3v2.4 tag with a unique TXXX frame in place of its empty one. Parsers skip both, so
// every file still probes as the fixture it came from, and every checksum differs.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const FIXTURES = join(import.meta.dirname, "../../tests/fixtures");
const MiB = 1024 * 1024;

export type MediaKind = "mp4" | "mov" | "mp3";
export type MediaFile = { name: string; type: string; bytes: Buffer };

const cache = new Map<string, Buffer>();
function fixture(name: string): Buffer {
  let b = cache.get(name);
  if (!b) {
    b = readFileSync(join(FIXTURES, name));
    cache.set(name, b);
  }
  return b;
}

function freeBox(payloadBytes: number, tag: string): Buffer {
  const box = Buffer.alloc(8 + payloadBytes);
  box.writeUInt32BE(box.length, 0);
  box.write("free", 4, "ascii");
  const head = Buffer.from(`biblio-chaos ${tag} `, "ascii");
  head.copy(box, 8);
  // Random filler so no two files share a checksum and storage cannot dedupe them.
  randomBytes(Math.max(0, payloadBytes - head.length)).copy(box, 8 + head.length);
  return box;
}

const syncsafe = (n: number) => Buffer.from([(n >> 21) & 0x7f, (n >> 14) & 0x7f, (n >> 7) & 0x7f, n & 0x7f]);

function id3Tag(text: string): Buffer {
  // TXXX: encoding byte (3 = UTF-8), empty description, the value.
  const body = Buffer.concat([Buffer.from([3]), Buffer.from("biblio-chaos\0", "utf8"), Buffer.from(text, "utf8")]);
  const frame = Buffer.concat([Buffer.from("TXXX", "ascii"), syncsafe(body.length), Buffer.from([0, 0]), body]);
  return Buffer.concat([Buffer.from("ID3", "ascii"), Buffer.from([4, 0, 0]), syncsafe(frame.length), frame]);
}

/**
 * One distinct file. `minSize` pads ISO-BMFF files up to at least that many bytes (used
 * for multipart uploads, which start above 16 MiB).
 */
export function makeMedia(kind: MediaKind, tag: string, minSize = 0): MediaFile {
  if (kind === "mp3") {
    const src = fixture("sample.mp3");
    // The fixture starts with an empty 10-byte ID3v2.4 tag (20 bytes in all): replace it.
    const tagSize = 10 + ((src[6]! << 21) | (src[7]! << 14) | (src[8]! << 7) | src[9]!);
    return { name: `${tag}.mp3`, type: "audio/mpeg", bytes: Buffer.concat([id3Tag(`${tag} ${randomBytes(8).toString("hex")}`), src.subarray(tagSize)]) };
  }
  const src = fixture(kind === "mp4" ? "sample.mp4" : "sample.mov");
  const filler = Math.max(64 + (randomBytes(2).readUInt16BE(0) % 4096), minSize - src.length - 8);
  return {
    name: `${tag}.${kind}`,
    type: kind === "mp4" ? "video/mp4" : "video/quicktime",
    bytes: Buffer.concat([src, freeBox(filler, tag)]),
  };
}

export const MULTIPART_SIZE = 16 * MiB + 512 * 1024;
