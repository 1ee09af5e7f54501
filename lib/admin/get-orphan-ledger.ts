import { ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import { listOpenStorageOrphans } from "@/lib/db/queries/admin-orphans";
import { getLastFinishedSweep } from "@/lib/db/queries/admin-sweeps";
import { getUploadStatesByKeys } from "@/lib/db/queries/admin-uploads";
import { listAllParts } from "@/lib/storage/objects";
import { getBucket, getS3 } from "@/lib/storage/s3-client";
import { UPLOAD_KEY_PREFIX } from "@/lib/uploads/upload-id";
import { describeError, withTimeout } from "./with-timeout";

/** One ListMultipartUploads page; sizes (one ListParts each) for the oldest of them only. */
export const MULTIPART_LIST_LIMIT = 1_000;
export const MULTIPART_SIZE_LIMIT = 100;
const LIST_PARTS_CONCURRENCY = 8;
/**
 * The multipart upload is created a moment before its intent row is written, so one
 * with no intent (or another intent's id) counts as abandoned only after this long.
 */
export const NO_INTENT_GRACE_MS = 60 * 60 * 1000;

export type MultipartEntry = {
  key: string;
  s3UploadId: string;
  initiated: Date | null;
  /** Null when not measured (beyond MULTIPART_SIZE_LIMIT) or when ListParts failed. */
  bytes: number | null;
  parts: number | null;
  uploadId: string | null;
  uploadStatus: string | null;
  /**
   * `active`: its intent is pending and within its deadline, so a browser may still be
   * sending parts (or it is younger than NO_INTENT_GRACE_MS); `abandoned`: nobody will complete it.
   */
  state: "active" | "abandoned";
};

async function mapBounded<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

/** Incomplete multipart uploads in the bucket, matched to their intents, with the bytes their parts hold. */
export async function listIncompleteMultipart(now = new Date()): Promise<{ entries: MultipartEntry[]; truncated: boolean; sized: number }> {
  const out = await withTimeout(
    getS3().send(new ListMultipartUploadsCommand({ Bucket: getBucket(), Prefix: UPLOAD_KEY_PREFIX, MaxUploads: MULTIPART_LIST_LIMIT })),
    8_000,
    "ListMultipartUploads",
  );
  const uploads = (out.Uploads ?? []).filter((u) => u.Key && u.UploadId);
  uploads.sort((a, b) => (a.Initiated?.getTime() ?? 0) - (b.Initiated?.getTime() ?? 0));
  const intents = new Map((await getUploadStatesByKeys([...new Set(uploads.map((u) => u.Key!))])).map((r) => [r.storageKey, r]));
  const sizes = await mapBounded(uploads.slice(0, MULTIPART_SIZE_LIMIT), LIST_PARTS_CONCURRENCY, async (u) => {
    try {
      const parts = await listAllParts(u.Key!, u.UploadId!);
      return { bytes: parts.reduce((n, p) => n + p.size, 0), parts: parts.length };
    } catch {
      return { bytes: null, parts: null };
    }
  });
  const entries = uploads.map((u, i): MultipartEntry => {
    const intent = intents.get(u.Key!);
    const young = !u.Initiated || now.getTime() - u.Initiated.getTime() < NO_INTENT_GRACE_MS;
    const owned = intent?.s3UploadId === u.UploadId;
    const active = intent && owned ? intent.status === "pending" && intent.deadlineAt > now : young && (!intent || intent.status === "pending");
    return {
      key: u.Key!,
      s3UploadId: u.UploadId!,
      initiated: u.Initiated ?? null,
      bytes: sizes[i]?.bytes ?? null,
      parts: sizes[i]?.parts ?? null,
      uploadId: intent?.id ?? null,
      uploadStatus: intent?.status ?? null,
      state: active ? "active" : "abandoned",
    };
  });
  return { entries, truncated: Boolean(out.IsTruncated), sized: Math.min(uploads.length, MULTIPART_SIZE_LIMIT) };
}

/** The orphan ledger: bytes held by incomplete multipart uploads (live) and by objects with no intent (last sweep). */
export async function getOrphanLedger() {
  const [multipart, orphans, lastSweep] = await Promise.all([
    listIncompleteMultipart().then(
      (m) => ({ ...m, error: null as string | null }),
      (error: unknown) => ({ entries: [] as MultipartEntry[], truncated: false, sized: 0, error: describeError(error) }),
    ),
    listOpenStorageOrphans(100),
    getLastFinishedSweep(),
  ]);
  const abandoned = multipart.entries.filter((e) => e.state === "abandoned");
  return {
    multipart,
    abandonedCount: abandoned.length,
    abandonedBytes: abandoned.reduce((n, e) => n + (e.bytes ?? 0), 0),
    activeBytes: multipart.entries.filter((e) => e.state === "active").reduce((n, e) => n + (e.bytes ?? 0), 0),
    orphans,
    lastSweep,
  };
}
