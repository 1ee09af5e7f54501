import { closeSync, ftruncateSync, openSync, writeFileSync } from "node:fs";
import { deflateSync } from "node:zlib";

export const MiB = 1024 ** 2;
export const GiB = 1024 ** 3;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A real, decodable PNG, so the server's type sniffing sees image/png. */
export function writeTinyPng(path: string, size = 8): string {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour
  const rows = Buffer.alloc((size * 3 + 1) * size, 0x7f);
  for (let y = 0; y < size; y++) rows[y * (size * 3 + 1)] = 0; // filter byte per row
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  writeFileSync(path, Buffer.concat([signature, pngChunk("IHDR", header), pngChunk("IDAT", deflateSync(rows)), pngChunk("IEND", Buffer.alloc(0))]));
  return path;
}

/**
 * Starts with an ISO-BMFF `ftyp` box, which is all the server's sniffing needs to call it
 * video/mp4. The rest is filler that differs per file, so no two runs share content.
 */
export function writeFakeMp4(path: string, size: number): string {
  const bytes = Buffer.alloc(size);
  Buffer.from("\0\0\0\x20ftypisom\0\0\x02\0isomiso2avc1mp41", "latin1").copy(bytes);
  const stamp = Buffer.from(`biblio-e2e ${Date.now()} ${Math.random()}`);
  for (let offset = 64; offset + stamp.length < size; offset += MiB) stamp.copy(bytes, offset);
  writeFileSync(path, bytes);
  return path;
}

/** A file of `size` bytes that takes no disk: the size is all the browser reads before refusing it. */
export function writeSparseFile(path: string, size: number): string {
  const fd = openSync(path, "w");
  try {
    ftruncateSync(fd, size);
  } finally {
    closeSync(fd);
  }
  return path;
}
