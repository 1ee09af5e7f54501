import { markOrphansDeleted, recordOrphans } from "@/lib/db/queries/storage-orphans";
import { getCursor, getUploadsByKeys, recordUploadEventsBulk, setCursor } from "@/lib/db/queries/sweep";
import type { UploadRow } from "@/lib/db/queries/uploads";
import { getEnv } from "@/lib/env";
import { log } from "@/lib/log";
import { confirmUpload } from "@/lib/pipeline/confirm-upload";
import { deleteObjectsBatch, type ListedObject, listMultipartPage, listObjectPage } from "@/lib/storage/list-objects";
import { abortMultipart, isNotFound } from "@/lib/storage/objects";
import { isTriggerEnabled } from "@/lib/triggers/trigger-settings";
import { isAppKey } from "@/lib/uploads/app-key";
import { UPLOAD_KEY_PREFIX } from "@/lib/uploads/upload-id";
import { mapLimit } from "./map-limit";
import { CONFIRM_CONCURRENCY, type SweepContext } from "./sweep-context";

/** Listing pages (1,000 keys each) per run: the bound on keys one sweep looks at. */
export const LIST_PAGES_PER_RUN = 10;
const ABORT_CONCURRENCY = 8;
/** A row is written just after its multipart session is created; younger sessions may simply not have one yet. */

const objectsCursor = (bucket: string) => `sweep:objects:${bucket}`;
const sessionsCursor = (bucket: string) => `sweep:sessions:${bucket}`;

/**
 * Walks `uploads/` from where the last run stopped (a cursor in the database), at most
 * LIST_PAGES_PER_RUN pages, and wraps to the start once it reaches the end: a bucket of
 * N keys is covered every ceil(N / 10,000) runs, newest keys included. Per page, in one
 * query: pending intents whose bytes are there are confirmed, bytes that landed after
 * their row ended are deleted, keys with no row are reported as orphans.
 */
export async function reconcileObjects(ctx: SweepContext): Promise<void> {
  const recover = isTriggerEnabled("sweep");
  const graceHours = getEnv().SWEEP_ORPHAN_GRACE_HOURS;
  const pages = ctx.opts.listPagesPerRun ?? LIST_PAGES_PER_RUN;
  const startAfter = await getCursor(objectsCursor(ctx.bucket));
  let token: string | null = null;
  for (let n = 0; n < pages; n++) {
    await ctx.checkpoint();
    const page = await listObjectPage({ prefix: UPLOAD_KEY_PREFIX, startAfter, token, maxKeys: ctx.opts.listPageSize });
    token = page.next;
    ctx.counts.listed += page.objects.length;
    if (page.objects.length) await reconcilePage(ctx, page.objects, recover, graceHours);
    // Saved after every page, so a run cut short resumes where it stopped.
    const last = page.objects[page.objects.length - 1]?.key ?? null;
    await setCursor(objectsCursor(ctx.bucket), token ? last : null);
    if (!token) {
      ctx.counts.list_wrapped++;
      return;
    }
  }
}

async function reconcilePage(ctx: SweepContext, objects: ListedObject[], recover: boolean, graceHours: number | undefined): Promise<void> {
  const rows = await getUploadsByKeys(
    ctx.bucket,
    objects.map((o) => o.key),
  );
  const byKey = new Map(rows.map((r) => [r.storageKey, r]));

  if (recover) {
    const pending = rows.filter((r) => r.status === "pending");
    await mapLimit(pending, CONFIRM_CONCURRENCY, async (row) => {
      try {
        const out = await confirmUpload(row, "sweep");
        if (out.outcome === "queued" || out.outcome === "uploaded") ctx.counts.recovered++;
        else if (out.outcome === "rejected") ctx.counts.rejected++;
      } catch (e) {
        ctx.counts.errors++;
        log.error("sweep: confirming failed", { uploadId: row.id, error: e });
      }
    });
  }

  const late = objects.filter((o) => {
    const row = byKey.get(o.key);
    return row && isLateBytes(row, o);
  });
  await deleteLateBytes(ctx, late, byKey);
  await handleOrphans(
    ctx,
    objects.filter((o) => !byKey.has(o.key)),
    graceHours,
  );
}

/**
 * Bytes at the key of an upload that has ended: a cancelled, expired or deleted upload, an object
 * an admin deleted, or a rejected file replaced after its rejection (a rejected file's
 * own bytes, same ETag, are left to whatever keeps them for review).
 */
export function isLateBytes(row: UploadRow, object: ListedObject): boolean {
  if (row.status === "aborted" || row.status === "expired" || row.status === "deleted") return true;
  if (row.objectDeletedAt) return !object.lastModified || object.lastModified.getTime() >= row.objectDeletedAt.getTime() - 1000;
  if (row.status === "rejected") {
    if (row.etag) return row.etag !== object.etag;
    return Boolean(object.lastModified && row.rejectedAt && object.lastModified.getTime() > row.rejectedAt.getTime() + 1000);
  }
  return false;
}

async function deleteLateBytes(ctx: SweepContext, late: ListedObject[], byKey: Map<string, UploadRow>): Promise<void> {
  const keys = late.map((o) => o.key).filter(isAppKey);
  if (!keys.length) return;
  const failed = new Set(await deleteObjectsBatch(keys));
  const deleted = late.filter((o) => keys.includes(o.key) && !failed.has(o.key));
  ctx.counts.late_bytes_deleted += deleted.length;
  await recordUploadEventsBulk(
    deleted.map((o) => {
      const row = byKey.get(o.key)!;
      log.warn("deleted bytes that landed after the upload ended", { uploadId: row.id, status: row.status, size: o.size });
      return { uploadId: row.id, type: "late_bytes_deleted", source: "sweep", detail: { status: row.status, size: o.size, etag: o.etag } };
    }),
  );
}

async function handleOrphans(ctx: SweepContext, orphans: ListedObject[], graceHours: number | undefined): Promise<void> {
  if (!orphans.length) return;
  const seen = await recordOrphans(orphans.map((o) => ({ key: o.key, size: o.size, etag: o.etag })));
  ctx.counts.orphans_reported += seen.length;
  if (!graceHours) return;
  const cutoff = Date.now() - graceHours * 3_600_000;
  const due = seen.filter((o) => o.firstSeenAt.getTime() < cutoff && isAppKey(o.key)).map((o) => o.key);
  if (!due.length) return;
  const failed = new Set(await deleteObjectsBatch(due));
  const deleted = due.filter((k) => !failed.has(k));
  await markOrphansDeleted(deleted);
  ctx.counts.orphans_deleted += deleted.length;
}

/**
 * A session is abandoned when its intent is gone or ended, or belongs to another session.
 * A pending intent's own session is the multipart pass's to complete or expire.
 */
function shouldAbort(row: UploadRow | undefined, session: { uploadId: string; initiated: Date | null }, graceMs: number): boolean {
  const old = !session.initiated || Date.now() - session.initiated.getTime() > graceMs;
  if (!row) return old;
  if (row.status !== "pending") return true;
  return row.s3UploadId !== session.uploadId && old;
}

/** Aborts abandoned multipart sessions, from a persisted marker like the object listing. */
export async function abortAbandonedMultipart(ctx: SweepContext): Promise<void> {
  const graceMs = ctx.opts.untrackedSessionGraceMs ?? getEnv().SWEEP_UNTRACKED_SESSION_GRACE_SECONDS * 1000;
  const saved = await getCursor(sessionsCursor(ctx.bucket));
  let marker: { keyMarker: string; uploadIdMarker: string } | null = saved ? (JSON.parse(saved) as { keyMarker: string; uploadIdMarker: string }) : null;
  for (let n = 0; n < (ctx.opts.listPagesPerRun ?? LIST_PAGES_PER_RUN); n++) {
    await ctx.checkpoint();
    const page = await listMultipartPage({ prefix: UPLOAD_KEY_PREFIX, marker });
    marker = page.next;
    if (page.sessions.length) {
      const rows = await getUploadsByKeys(ctx.bucket, [...new Set(page.sessions.map((s) => s.key))]);
      const byKey = new Map(rows.map((r) => [r.storageKey, r]));
      const doomed = page.sessions.filter((s) => isAppKey(s.key) && shouldAbort(byKey.get(s.key), s, graceMs));
      const aborted = await mapLimit(doomed, ABORT_CONCURRENCY, async (s) => {
        try {
          await abortMultipart(s.key, s.uploadId);
          return s;
        } catch (e) {
          if (isNotFound(e)) return null;
          ctx.counts.errors++;
          log.error("sweep: aborting a multipart session failed", { key: s.key, uploadId: byKey.get(s.key)?.id, error: e });
          return null;
        }
      });
      const done = aborted.filter((s): s is NonNullable<typeof s> => s !== null);
      ctx.counts.aborted_multipart += done.length;
      await recordUploadEventsBulk(
        done.flatMap((s) => {
          const row = byKey.get(s.key);
          return row ? [{ uploadId: row.id, type: "multipart_aborted", source: "sweep", detail: { s3UploadId: s.uploadId, status: row.status } }] : [];
        }),
      );
    }
    await setCursor(sessionsCursor(ctx.bucket), marker ? JSON.stringify(marker) : null);
    if (!marker) return;
  }
}
