const MiB = 1024 ** 2;

/** Above this size the browser uploads in parts, so a failure costs one part, not the file. */
export const MULTIPART_THRESHOLD = 16 * MiB;
export const MIN_PART_SIZE = 5 * MiB;
/** S3's hard limit; we stay below it with room for resumed uploads. */
export const MAX_PARTS = 10_000;
const TARGET_MAX_PARTS = 9_000;
/**
 * Part PUTs in flight per page. Six matches Chromium's connections per host over HTTP/1.1,
 * which is how most S3-compatible stores answer; more would only queue in the browser.
 * Create-upload signs this many parts up front, so the browser starts at full width.
 */
export const PART_UPLOAD_CONCURRENCY = 6;

/**
 * 5 MiB parts for small files (fine-grained progress and cheap retries), growing in
 * whole MiB so that any allowed size stays under S3's 10,000-part limit.
 */
export function partSizeFor(size: number): number {
  const needed = Math.ceil(size / TARGET_MAX_PARTS);
  return Math.max(MIN_PART_SIZE, Math.ceil(needed / MiB) * MiB);
}

export function partCountFor(size: number, partSize = partSizeFor(size)): number {
  return Math.max(1, Math.ceil(size / partSize));
}

/** The exact byte length of one part: the part size, except the last part, which holds the remainder. */
export function partLengthFor(size: number, partNumber: number, partSize = partSizeFor(size)): number {
  const count = partCountFor(size, partSize);
  if (partNumber < 1 || partNumber > count) throw new RangeError(`part ${partNumber} is outside 1..${count}`);
  return partNumber < count ? partSize : size - partSize * (count - 1);
}
