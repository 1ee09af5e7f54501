import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { getEnv } from "@/lib/env";
import { PermanentJobError } from "@/lib/jobs/job-errors";
import { presignGet } from "@/lib/storage/objects";
import { previewError } from "../preview-fallback";
import type { ProcessorContext } from "../processor";

/** Reads from storage go in blocks of this size, each one ranged GET. */
const BLOCK_BYTES = 64 * 1024;
/** Blocks kept, so several ffmpeg runs over one file (a storyboard's frames) read its index once. */
const CACHE_BLOCKS = 512;
const URL_TTL_SECONDS = 15 * 60;
/**
 * Each response covers at most this much; ffmpeg (`-reconnect 1`, see FFMPEG_INPUT_ARGS)
 * asks for the next window when it needs it. An open-ended response would be read
 * ahead into the loopback socket buffers (~4 MiB per connection, measured) and fetched
 * from storage for nothing each time ffmpeg seeks away.
 */
const WINDOW_BYTES = 128 * 1024;

/**
 * Most a preview may read from storage, per processor run: far above what a good file
 * needs (0.36 % for a poster, 4.3 % for a 100-tile storyboard of a 1 GiB MP4), but it ends
 * the read of a file whose frames do not decode, which ffmpeg would otherwise read from
 * each seek point to the end (GiBs, until a timeout, retried as if transient).
 */
export const previewReadBudget = (size: number) => Math.max(128 * 1024 * 1024, Math.ceil(size * 0.2));

/** Continue past a window's end at once (ffmpeg 4.1 starts each read's reconnect delay at 0). */
const FFMPEG_INPUT_ARGS = ["-reconnect", "1", "-reconnect_delay_max", "2"] as const;

type RangedSource = { url: string; failure: () => unknown; close: () => Promise<void> };

/**
 * Runs `fn` with a ranged source open, handing it ffmpeg's input arguments (`-i` and the
 * options that go with it). A storage error (412, timeout) wins over the ffmpeg error it
 * caused, and over a success: a frame that was not decoded because storage failed must
 * not become a black tile or "no preview".
 */
export async function withRangedSource<T>(
  ctx: ProcessorContext,
  fn: (input: string[]) => Promise<T>,
  readBudget = previewReadBudget(ctx.payload.size),
): Promise<T> {
  const source = await openRangedSource(ctx, readBudget);
  try {
    const value = await fn([...FFMPEG_INPUT_ARGS, "-i", source.url]);
    const failure = source.failure();
    if (failure) throw failure;
    return value;
  } catch (error) {
    throw source.failure() ?? error;
  } finally {
    await source.close();
  }
}

/**
 * A loopback HTTP endpoint that ffmpeg reads the object through. Every read becomes
 * ranged GETs of whole blocks on a presigned URL (If-Match: the confirmed version), so
 * ffmpeg seeks instead of downloading, every byte fetched is counted (ctx.countBytes),
 * and the signed URL never appears in an ffmpeg command line or log.
 */
async function openRangedSource(ctx: ProcessorContext, readBudget: number): Promise<RangedSource> {
  const { key, size, etag } = ctx.payload;
  let fetched = 0;
  const signed = await presignGet(key, URL_TTL_SECONDS);
  const cache = new Map<number, Promise<Uint8Array>>();
  const timeoutMs = getEnv().S3_REQUEST_TIMEOUT_MS;

  const fetchBlock = (index: number): Promise<Uint8Array> => {
    const hit = cache.get(index);
    if (hit) {
      cache.delete(index);
      cache.set(index, hit);
      return hit;
    }
    const start = index * BLOCK_BYTES;
    const end = Math.min(size, start + BLOCK_BYTES) - 1;
    if (fetched + (end - start + 1) > readBudget) {
      const mib = Math.round(readBudget / 1024 / 1024);
      return Promise.reject(previewError(`The video's frames could not be decoded from the first ${mib} MiB read for a preview.`, "undecodable"));
    }
    fetched += end - start + 1;
    const pending = (async () => {
      const res = await fetch(signed, {
        headers: { range: `bytes=${start}-${end}`, ...(etag ? { "if-match": `"${etag}"` } : {}) },
        signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)]),
      });
      if (res.status === 412) throw new PermanentJobError("The stored file changed after the upload was confirmed.", "object_changed");
      if (res.status !== 206 && res.status !== 200) throw new Error(`Ranged GET answered ${res.status}`);
      const bytes = new Uint8Array(await res.arrayBuffer());
      ctx.countBytes(bytes.byteLength);
      return bytes;
    })();
    pending.catch(() => cache.delete(index));
    cache.set(index, pending);
    if (cache.size > CACHE_BLOCKS) cache.delete(cache.keys().next().value!);
    return pending;
  };

  let failure: unknown = null;
  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "bytes=0-");
    const from = range ? Number(range[1]) : 0;
    const to = Math.min(range?.[2] ? Number(range[2]) : size - 1, size - 1, from + WINDOW_BYTES - 1);
    if (!range || from >= size || to < from) {
      res.writeHead(416, { "content-range": `bytes */${size}` }).end();
      return;
    }
    res.writeHead(206, {
      "content-type": "application/octet-stream",
      "accept-ranges": "bytes",
      "content-length": to - from + 1,
      "content-range": `bytes ${from}-${to}/${size}`,
    });
    let closed = false;
    res.on("close", () => (closed = true));
    for (let offset = from; offset <= to && !closed; ) {
      const index = Math.floor(offset / BLOCK_BYTES);
      const block = await fetchBlock(index);
      const slice = block.subarray(offset - index * BLOCK_BYTES, Math.min(block.byteLength, to - index * BLOCK_BYTES + 1));
      offset += slice.byteLength;
      // Backpressure: the next block is fetched only once ffmpeg has taken this one.
      if (!res.write(slice)) await new Promise<void>((resolve) => res.once("drain", resolve).once("close", resolve));
    }
    res.end();
  };

  const server = createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      failure ??= error;
      res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/object`,
    // ffmpeg only sees a broken read; the storage error behind it is the real cause.
    failure: () => failure,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
