// The end-of-run audit: what the database, the bucket and the clients' own records say,
// reduced to the numbers the harness promises (lost, stuck, processed twice, open
// multipart sessions, objects without a row and rows without an object).
import { ListMultipartUploadsCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import type { Pool } from "@neondatabase/serverless";
import type { UploadRecord } from "./clients";

export const TERMINAL = new Set(["processed", "failed", "expired", "aborted", "rejected"]);
/** States in which the row's bytes must be in the bucket under its key. */
const HAS_OBJECT = new Set(["uploaded", "queued", "processing", "processed", "failed"]);

export type Row = {
  id: string;
  status: string;
  source: string | null;
  storageKey: string;
  s3UploadId: string | null;
  settledAt: number | null;
  processedAt: number | null;
  succeeded: number;
  processedEvents: number;
  /** What the worker derived (poster, sprite sheet, VTT): objects under derived/ that belong to this row. */
  derivedKeys: string[];
};

export async function readRows(pool: Pool): Promise<Map<string, Row>> {
  const { rows } = await pool.query(`
    SELECT u.id, u.status, u.source, u.storage_key, u.s3_upload_id,
           extract(epoch FROM coalesce(u.processed_at, u.failed_at, u.expired_at, u.aborted_at, u.rejected_at)) * 1000 AS settled_ms,
           extract(epoch FROM u.processed_at) * 1000 AS processed_ms,
           (SELECT count(*) FROM jobs j WHERE j.upload_id = u.id AND j.status = 'succeeded')::int AS succeeded,
           (SELECT count(*) FROM upload_events e WHERE e.upload_id = u.id AND e.type = 'processed')::int AS processed_events,
           coalesce((SELECT array_agg(d.storage_key) FROM derived_files d WHERE d.upload_id = u.id), '{}') AS derived_keys
      FROM uploads u`);
  const out = new Map<string, Row>();
  for (const r of rows) {
    out.set(r.id, {
      id: r.id,
      status: r.status,
      source: r.source,
      storageKey: r.storage_key,
      s3UploadId: r.s3_upload_id,
      settledAt: r.settled_ms === null ? null : Number(r.settled_ms),
      processedAt: r.processed_ms === null ? null : Number(r.processed_ms),
      succeeded: r.succeeded,
      processedEvents: r.processed_events,
      derivedKeys: r.derived_keys,
    });
  }
  return out;
}

export async function listBucket(s3: S3Client, bucket: string): Promise<{ objects: Map<string, number>; openMultipart: { key: string; uploadId: string }[] }> {
  const objects = new Map<string, number>();
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const o of page.Contents ?? []) objects.set(o.Key!, o.Size ?? 0);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const openMultipart: { key: string; uploadId: string }[] = [];
  let keyMarker: string | undefined;
  let idMarker: string | undefined;
  for (;;) {
    const page = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, KeyMarker: keyMarker, UploadIdMarker: idMarker }));
    for (const u of page.Uploads ?? []) openMultipart.push({ key: u.Key!, uploadId: u.UploadId! });
    if (!page.IsTruncated) break;
    keyMarker = page.NextKeyMarker;
    idMarker = page.NextUploadIdMarker;
  }
  return { objects, openMultipart };
}

/** What one upload should have become: its bytes all arrived → processed; otherwise ended without processing. */
export const expectsProcessing = (rec: UploadRecord) => rec.lastByteAt !== null;

export type Verdict = { stuck: boolean; lost: boolean; twice: boolean; noEffect: boolean; processed: boolean; settledAt: number | null };

export function judge(rec: UploadRecord, row: Row | undefined, objects: Map<string, number>): Verdict {
  if (!row) {
    // No row for an id the client was given cannot happen unless data was lost.
    return { stuck: false, lost: rec.id !== null && expectsProcessing(rec), twice: false, noEffect: false, processed: false, settledAt: null };
  }
  const stuck = !TERMINAL.has(row.status);
  const processed = row.status === "processed";
  const effects = Math.max(row.succeeded, row.processedEvents);
  return {
    stuck,
    processed,
    // Bytes that arrived must end processed with their object in place; anything else lost them.
    lost: expectsProcessing(rec) && !stuck && (!processed || objects.get(row.storageKey) !== rec.size),
    twice: effects > 1,
    noEffect: processed && effects === 0,
    settledAt: row.settledAt,
  };
}

export function bucketMismatches(rows: Map<string, Row>, objects: Map<string, number>) {
  // An upload's own object and its derived files both belong to its row.
  const byKey = new Map([...rows.values()].flatMap((r) => [r.storageKey, ...r.derivedKeys].map((k) => [k, r] as const)));
  const objectsWithoutRow: string[] = [];
  for (const key of objects.keys()) {
    const row = byKey.get(key);
    if (!row || !HAS_OBJECT.has(row.status)) objectsWithoutRow.push(key);
  }
  const rowsWithoutObject = [...rows.values()]
    .filter((r) => HAS_OBJECT.has(r.status) && [r.storageKey, ...r.derivedKeys].some((k) => !objects.has(k)))
    .map((r) => r.id);
  return { objectsWithoutRow, rowsWithoutObject };
}

export function percentile(values: number[], p: number): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}
