import { GetObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { create as contentDisposition } from "content-disposition";
import { getBucket, getPresignS3 } from "@/lib/storage/s3-client";

export type Disposition = "inline" | "attachment";

/**
 * Signing times are rounded down to this window, so the same object signed twice in one
 * window gets the same URL: the browser's cache then serves a thumbnail the Files table
 * re-renders every few seconds instead of fetching it again.
 */
const SIGNING_WINDOW_SECONDS = 10 * 60;

export type SignedGet = { url: string; expiresAt: string };

/**
 * A presigned GET that lives at least `minTtlSeconds` (up to one signing window more).
 * S3 answers ranged requests on it, so a <video> can seek. `disposition` and
 * `contentType` become S3's response-header overrides, signed into the URL: the download
 * carries the original name (RFC 6266, with RFC 5987's filename* for non-ASCII names)
 * whatever the object was stored as.
 */
export async function signGet(
  key: string,
  opts: { minTtlSeconds: number; disposition?: { type: Disposition; name: string }; contentType?: string },
): Promise<SignedGet> {
  const windowMs = SIGNING_WINDOW_SECONDS * 1000;
  const signingDate = new Date(Math.floor(Date.now() / windowMs) * windowMs);
  const expiresIn = opts.minTtlSeconds + SIGNING_WINDOW_SECONDS;
  const command = new GetObjectCommand({
    Bucket: getBucket(),
    Key: key,
    ResponseContentDisposition: opts.disposition ? contentDisposition(opts.disposition.name, { type: opts.disposition.type }) : undefined,
    ResponseContentType: opts.contentType,
  });
  const url = await getSignedUrl(getPresignS3(), command, { expiresIn, signingDate });
  return { url, expiresAt: new Date(signingDate.getTime() + expiresIn * 1000).toISOString() };
}
