import type { SignedParts } from "@/lib/client/uploads-api";

/** The server signs at most this many parts per request. */
export const SIGN_BATCH_SIZE = 100;
/** A URL is not handed out in its last minute, so a slow part never starts on a dying signature. */
const REUSE_MARGIN_MS = 60_000;
/**
 * Presigned part URLs live about 15 minutes. Capping at that from the moment we
 * received them keeps a client clock that runs behind the server's from reusing
 * URLs S3 already considers expired.
 */
const MAX_URL_TTL_MS = 15 * 60_000;
/**
 * The next batch is asked for this many parts before the current one runs out. Signing
 * 100 URLs takes the server a noticeable while, and without this every part worker
 * stalls on it at parts 101, 201, …; the request count stays one per 100 parts.
 */
const PREFETCH_AHEAD = 24;

type SignedUrl = { url: string; validUntil: number };
type UploadCache = { urls: Map<number, SignedUrl>; inflight: Map<number, Promise<void>> };

export type SignPartsBatch = (uploadId: string, partNumbers: number[]) => Promise<SignedParts>;

/**
 * Keeps the part-URL signing of every multipart upload to one request per 100 parts:
 * a miss signs the missing part and the following ones in one batch, and concurrent
 * misses wait for the batch already in flight instead of asking again.
 */
export class PartUrlSigner {
  readonly #signBatch: SignPartsBatch;
  readonly #uploads = new Map<string, UploadCache>();

  constructor(signBatch: SignPartsBatch) {
    this.#signBatch = signBatch;
  }

  async sign(uploadId: string, partNumber: number, partCount: number): Promise<string> {
    const cache = this.#cacheFor(uploadId);
    for (;;) {
      const hit = this.#usable(cache, partNumber, REUSE_MARGIN_MS);
      if (hit) {
        this.#prefetch(uploadId, cache, partNumber, partCount);
        return hit.url;
      }
      const pending = cache.inflight.get(partNumber);
      if (!pending) break;
      // A failed batch (say, a prefetch) leaves the part unsigned; the loop then asks on its own.
      await pending.catch(() => {});
    }
    await this.#fetchBatch(uploadId, cache, partNumber, partCount);
    const signed = this.#usable(cache, partNumber, 0);
    if (!signed) throw new Error(`The server did not sign part ${partNumber}. Try again.`);
    this.#prefetch(uploadId, cache, partNumber, partCount);
    return signed.url;
  }

  /** Starts the batch after the current one while its last parts are still being sent. */
  #prefetch(uploadId: string, cache: UploadCache, partNumber: number, partCount: number): void {
    const horizon = Math.min(partCount, partNumber + PREFETCH_AHEAD);
    for (let n = partNumber + 1; n <= horizon; n++) {
      if (this.#usable(cache, n, REUSE_MARGIN_MS) || cache.inflight.has(n)) continue;
      this.#fetchBatch(uploadId, cache, n, partCount).catch(() => {});
      return;
    }
  }

  /** Takes URLs signed elsewhere (the create response) as if a batch had returned them. */
  seed(uploadId: string, signed: SignedParts): void {
    this.#store(this.#cacheFor(uploadId), signed);
  }

  /** Drops a URL whose PUT failed, so a retry gets a fresh signature rather than the same failure. */
  invalidate(url: string): void {
    for (const cache of this.#uploads.values()) {
      for (const [partNumber, signed] of cache.urls) {
        if (signed.url === url) {
          cache.urls.delete(partNumber);
          return;
        }
      }
    }
  }

  forget(uploadId: string): void {
    this.#uploads.delete(uploadId);
  }

  #cacheFor(uploadId: string): UploadCache {
    let cache = this.#uploads.get(uploadId);
    if (!cache) {
      cache = { urls: new Map(), inflight: new Map() };
      this.#uploads.set(uploadId, cache);
    }
    return cache;
  }

  #usable(cache: UploadCache, partNumber: number, marginMs: number): SignedUrl | undefined {
    const signed = cache.urls.get(partNumber);
    return signed && signed.validUntil - marginMs > Date.now() ? signed : undefined;
  }

  #store(cache: UploadCache, { parts, expiresAt }: SignedParts): void {
    const serverExpiry = Date.parse(expiresAt);
    const validUntil = Math.min(Number.isNaN(serverExpiry) ? Infinity : serverExpiry, Date.now() + MAX_URL_TTL_MS);
    for (const part of parts) cache.urls.set(part.partNumber, { url: part.url, validUntil });
  }

  #fetchBatch(uploadId: string, cache: UploadCache, first: number, partCount: number): Promise<void> {
    const numbers = [first];
    for (let n = first + 1; n <= partCount && numbers.length < SIGN_BATCH_SIZE; n++) {
      if (!this.#usable(cache, n, REUSE_MARGIN_MS) && !cache.inflight.has(n)) numbers.push(n);
    }
    // Registered before the first await so that concurrent callers join this batch.
    const batch = this.#signBatch(uploadId, numbers).then((signed) => this.#store(cache, signed));
    const settled = batch.finally(() => {
      for (const n of numbers) if (cache.inflight.get(n) === settled) cache.inflight.delete(n);
    });
    for (const n of numbers) cache.inflight.set(n, settled);
    return settled;
  }
}
