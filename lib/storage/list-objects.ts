import { DeleteObjectCommand, DeleteObjectsCommand, ListMultipartUploadsCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { getEnv } from "@/lib/env";
import { mapLimit } from "@/lib/sweep/map-limit";
import { normaliseEtag } from "./objects";
import { getBucket, getS3 } from "./s3-client";

export const LIST_PAGE_SIZE = 1000;

export type ListedObject = { key: string; size: number; etag: string; lastModified: Date | null };
export type ObjectPage = { objects: ListedObject[]; next: string | null };

/**
 * One ListObjectsV2 call (up to 1,000 keys, in key order). `startAfter` resumes after a
 * key (the poller's cursor); `token` continues a listing.
 */
export async function listObjectPage(input: { prefix: string; startAfter?: string | null; token?: string | null; maxKeys?: number }): Promise<ObjectPage> {
  const out = await getS3().send(
    new ListObjectsV2Command({
      Bucket: getBucket(),
      Prefix: input.prefix,
      MaxKeys: input.maxKeys ?? LIST_PAGE_SIZE,
      StartAfter: input.token ? undefined : (input.startAfter ?? undefined),
      ContinuationToken: input.token ?? undefined,
    }),
  );
  const objects = (out.Contents ?? []).map((o) => ({
    key: o.Key!,
    size: o.Size ?? 0,
    etag: normaliseEtag(o.ETag),
    lastModified: o.LastModified ?? null,
  }));
  return { objects, next: out.IsTruncated ? (out.NextContinuationToken ?? null) : null };
}

export type MultipartSession = { key: string; uploadId: string; initiated: Date | null };
export type MultipartPage = { sessions: MultipartSession[]; next: { keyMarker: string; uploadIdMarker: string } | null };

/** One ListMultipartUploads call (up to 1,000 open sessions). */
export async function listMultipartPage(input: { prefix: string; marker?: { keyMarker: string; uploadIdMarker: string } | null }): Promise<MultipartPage> {
  const out = await getS3().send(
    new ListMultipartUploadsCommand({
      Bucket: getBucket(),
      Prefix: input.prefix,
      MaxUploads: LIST_PAGE_SIZE,
      KeyMarker: input.marker?.keyMarker,
      UploadIdMarker: input.marker?.uploadIdMarker,
    }),
  );
  const sessions = (out.Uploads ?? []).map((u) => ({ key: u.Key!, uploadId: u.UploadId!, initiated: u.Initiated ?? null }));
  const next = out.IsTruncated && out.NextKeyMarker ? { keyMarker: out.NextKeyMarker, uploadIdMarker: out.NextUploadIdMarker ?? "" } : null;
  return { sessions, next };
}

/**
 * Deletes up to 1,000 keys in one call; returns the keys the store reported as failed.
 * With S3_MULTI_DELETE off (the local Ceph), one DeleteObject per key, a few at a time.
 */
export async function deleteObjectsBatch(keys: string[]): Promise<string[]> {
  if (!keys.length) return [];
  if (!getEnv().S3_MULTI_DELETE) {
    const outcomes = await mapLimit(keys, 8, (Key) =>
      getS3()
        .send(new DeleteObjectCommand({ Bucket: getBucket(), Key }))
        .then(
          () => null,
          () => Key,
        ),
    );
    return outcomes.filter((k): k is string => k !== null);
  }
  const out = await getS3().send(new DeleteObjectsCommand({ Bucket: getBucket(), Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }));
  return (out.Errors ?? []).map((e) => e.Key ?? "");
}
