import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
  type Part,
  PutObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl, S3RequestPresigner } from "@aws-sdk/s3-request-presigner";
import { getBucket, getPresignS3, getS3 } from "./s3-client";

/**
 * A presigned PUT whose signature covers Content-Type, Content-Length and
 * `If-None-Match: *`: the browser cannot send another type or size under it, and the
 * URL can create the object once but never replace it (S3, R2 and Ceph answer 412).
 */
export async function presignPut(key: string, contentType: string, size: number, expiresIn: number): Promise<{ url: string; headers: Record<string, string> }> {
  const command = new PutObjectCommand({ Bucket: getBucket(), Key: key, ContentType: contentType, ContentLength: size, IfNoneMatch: "*" });
  const url = await getSignedUrl(getPresignS3(), command, {
    expiresIn,
    signableHeaders: new Set(["content-type", "content-length", "if-none-match"]),
  });
  return { url, headers: { "content-type": contentType, "if-none-match": "*" } };
}

/**
 * A presigned GET. Range requests work under it (Range is not signed), so the same URL
 * serves a player's seeks and ffmpeg's reads. `disposition` sets Content-Disposition on
 * the response (a download's file name).
 */
export async function presignGet(key: string, expiresIn: number, opts: { disposition?: string; contentType?: string } = {}): Promise<string> {
  const command = new GetObjectCommand({
    Bucket: getBucket(),
    Key: key,
    ...(opts.disposition ? { ResponseContentDisposition: opts.disposition } : {}),
    ...(opts.contentType ? { ResponseContentType: opts.contentType } : {}),
  });
  return getSignedUrl(getPresignS3(), command, { expiresIn });
}

/** Writes a small server-made object (a poster, a sprite sheet) whole. */
export async function putObject(key: string, body: Uint8Array | string, contentType: string): Promise<void> {
  await getS3().send(new PutObjectCommand({ Bucket: getBucket(), Key: key, Body: body, ContentType: contentType }));
}

export async function createMultipart(key: string, contentType: string): Promise<string> {
  const out = await getS3().send(new CreateMultipartUploadCommand({ Bucket: getBucket(), Key: key, ContentType: contentType }));
  if (!out.UploadId) throw new Error("CreateMultipartUpload returned no UploadId");
  return out.UploadId;
}

let partPresigner: S3RequestPresigner | undefined;

export type PartToSign = { partNumber: number; size: number };

/**
 * Part URLs for one multipart upload, each signing its part's exact Content-Length, so a
 * URL stores that many bytes or nothing. The first comes from getSignedUrl, which
 * resolves the endpoint; the rest re-sign that request with only `partNumber` and the
 * length changed, skipping the SDK's per-command middleware and endpoint rules (about
 * 50x cheaper per URL).
 */
export async function presignParts(key: string, uploadId: string, parts: PartToSign[], expiresIn: number) {
  if (parts.length === 0) return [];
  const s3 = getPresignS3();
  const [first, ...rest] = parts;
  const firstUrl = await getSignedUrl(
    s3,
    new UploadPartCommand({ Bucket: getBucket(), Key: key, UploadId: uploadId, PartNumber: first!.partNumber, ContentLength: first!.size }),
    { expiresIn, signableHeaders: new Set(["content-length"]) },
  );
  partPresigner ??= new S3RequestPresigner({ ...s3.config });
  const base = new URL(firstUrl);
  const request = {
    method: "PUT",
    protocol: base.protocol,
    hostname: base.hostname,
    port: base.port ? Number(base.port) : undefined,
    // Already URI-encoded, which is what S3 signs (the S3 signer does not escape paths again).
    path: base.pathname,
    query: { "x-id": "UploadPart", uploadId } as Record<string, string>,
  };
  const signed = await Promise.all(
    rest.map(async ({ partNumber, size }) => {
      const out = await partPresigner!.presign(
        {
          ...request,
          headers: { host: base.host, "content-length": String(size) },
          query: { ...request.query, partNumber: String(partNumber) },
        },
        { expiresIn },
      );
      return { partNumber, url: formatUrl(out) };
    }),
  );
  return [{ partNumber: first!.partNumber, url: firstUrl }, ...signed];
}

function formatUrl(req: { protocol: string; hostname: string; port?: number; path: string; query?: Record<string, string | string[] | null> }): string {
  const query = Object.entries(req.query ?? {})
    .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${encodeRfc3986(k)}=${encodeRfc3986(x ?? "")}`))
    .join("&");
  return `${req.protocol}//${req.hostname}${req.port ? `:${req.port}` : ""}${req.path}?${query}`;
}

function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export type StoredPart = { partNumber: number; size: number; etag: string };

/** Every part S3 holds for a multipart upload, following ListParts pagination. */
export async function listAllParts(key: string, uploadId: string): Promise<StoredPart[]> {
  const parts: StoredPart[] = [];
  let marker: string | undefined;
  for (;;) {
    const out = await getS3().send(new ListPartsCommand({ Bucket: getBucket(), Key: key, UploadId: uploadId, PartNumberMarker: marker }));
    for (const p of out.Parts ?? []) parts.push({ partNumber: p.PartNumber!, size: p.Size ?? 0, etag: p.ETag ?? "" });
    if (!out.IsTruncated || !out.NextPartNumberMarker) break;
    marker = String(out.NextPartNumberMarker);
  }
  return parts.sort((a, b) => a.partNumber - b.partNumber);
}

export async function completeMultipart(key: string, uploadId: string, parts: StoredPart[]): Promise<void> {
  const list: Part[] = parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag }));
  await getS3().send(new CompleteMultipartUploadCommand({ Bucket: getBucket(), Key: key, UploadId: uploadId, MultipartUpload: { Parts: list } }));
}

export async function abortMultipart(key: string, uploadId: string): Promise<void> {
  await getS3().send(new AbortMultipartUploadCommand({ Bucket: getBucket(), Key: key, UploadId: uploadId }));
}

export type ObjectHead = { size: number; etag: string; contentType: string | undefined; lastModified: Date | null };

/** HEAD the object; null when it does not exist. */
export async function headObject(key: string): Promise<ObjectHead | null> {
  try {
    const out = await getS3().send(new HeadObjectCommand({ Bucket: getBucket(), Key: key }));
    return { size: out.ContentLength ?? 0, etag: normaliseEtag(out.ETag), contentType: out.ContentType, lastModified: out.LastModified ?? null };
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

/** The first `length` bytes of an object, by one ranged GET. */
export async function readHead(key: string, length: number): Promise<Uint8Array> {
  const out = await getS3().send(new GetObjectCommand({ Bucket: getBucket(), Key: key, Range: `bytes=0-${length - 1}` }));
  return out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
}

/** `length` bytes from `offset` (fewer at the end of the object), by one ranged GET. */
export async function readRange(key: string, offset: number, length: number): Promise<Uint8Array> {
  if (length <= 0) return new Uint8Array();
  const out = await getS3().send(new GetObjectCommand({ Bucket: getBucket(), Key: key, Range: `bytes=${offset}-${offset + length - 1}` }));
  return out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
}

export async function deleteObject(key: string): Promise<void> {
  await getS3().send(new DeleteObjectCommand({ Bucket: getBucket(), Key: key }));
}

/** Ceph returns the multipart ETag unquoted, AWS quoted; store one form. */
export function normaliseEtag(etag: string | undefined): string {
  return (etag ?? "").replaceAll('"', "");
}

export function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === "NotFound" || e?.name === "NoSuchKey" || e?.name === "NoSuchUpload" || e?.$metadata?.httpStatusCode === 404;
}
