import { and, asc, desc, eq, getTableColumns, inArray, lt, ne, or, type SQL, sql } from "drizzle-orm";
import { getDb } from "../client";
import { type JsonObject, type UploadSource, type UploadStatus, uploadEvents, uploads } from "../schema";

export type UploadRow = typeof uploads.$inferSelect;
export type NewUpload = typeof uploads.$inferInsert;
export type UploadEventRow = typeof uploadEvents.$inferSelect;

const COLUMNS = getTableColumns(uploads);

/** Maps a raw `uploads` row (SQL column names) to the typed shape Drizzle selects return. */
export function mapUploadRow(raw: Record<string, unknown>): UploadRow {
  const out: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(COLUMNS)) {
    const value = raw[column.name];
    out[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return out as UploadRow;
}

export type UploadEventInput = { type: string; source: string | null; detail?: JsonObject };

export async function getUploadById(id: string): Promise<UploadRow | null> {
  const [row] = await getDb().select().from(uploads).where(eq(uploads.id, id)).limit(1);
  return row ?? null;
}

export async function getUploadByKey(key: string): Promise<UploadRow | null> {
  const [row] = await getDb().select().from(uploads).where(eq(uploads.storageKey, key)).limit(1);
  return row ?? null;
}

const STATE_TIMESTAMP: Partial<Record<UploadStatus, string>> = {
  uploaded: "uploaded_at",
  queued: "queued_at",
  processing: "processing_at",
  processed: "processed_at",
  failed: "failed_at",
  expired: "expired_at",
  aborted: "aborted_at",
  rejected: "rejected_at",
  deleted: "deleted_at",
};

type Settable = Partial<
  Pick<
    UploadRow,
    | "nextPublishAt"
    | "objectDeletedAt"
    | "source"
    | "realType"
    | "realSize"
    | "etag"
    | "qstashMessageId"
    | "rejectReason"
    | "quarantineUntil"
    | "failureReason"
    | "dlqId"
    | "leaseUntil"
    | "result"
    | "lastPublishError"
  >
>;

/**
 * The conditional state transition every trigger source relies on: it succeeds for
 * exactly one caller while the row is in one of `from`, and writes the timeline event
 * in the same statement. Returns null when another caller got there first.
 */
export async function transitionUpload(input: {
  id: string;
  from: UploadStatus[];
  to: UploadStatus;
  set?: Settable;
  event: UploadEventInput;
  /** Also require `lease_until` to equal this: a worker's fencing token (null: no lease). */
  lease?: Date | null;
}): Promise<UploadRow | null> {
  const assignments: SQL[] = [sql`status = ${input.to}`, sql`updated_at = now()`];
  const stamp = STATE_TIMESTAMP[input.to];
  if (stamp) assignments.push(sql`${sql.identifier(stamp)} = now()`);
  for (const [key, value] of Object.entries(input.set ?? {})) {
    const column = COLUMNS[key as keyof typeof COLUMNS];
    assignments.push(sql`${sql.identifier(column.name)} = ${value === null ? null : column.mapToDriverValue(value)}`);
  }
  const result = await getDb().execute(sql`
    with changed as (
      update uploads set ${sql.join(assignments, sql`, `)}
      where id = ${input.id} and status in (${sql.join(
        input.from.map((s) => sql`${s}`),
        sql`, `,
      )})${leaseCondition(input.lease)}
      returning *
    ), logged as (
      insert into upload_events (upload_id, type, source, detail)
      select id, ${input.event.type}, ${input.event.source}, ${JSON.stringify(input.event.detail ?? {})}::jsonb from changed
    )
    select * from changed`);
  const raw = result.rows[0] as Record<string, unknown> | undefined;
  return raw ? mapUploadRow(raw) : null;
}

function leaseCondition(lease: Date | null | undefined): SQL {
  if (lease === undefined) return sql``;
  return lease === null ? sql` and lease_until is null` : sql` and lease_until = ${lease.toISOString()}::timestamptz`;
}

/** Extends a worker's lease if it still holds it; false means another delivery took the upload over. */
export async function renewUploadLease(id: string, lease: Date, next: Date): Promise<boolean> {
  const result = await getDb().execute(sql`
    update uploads set lease_until = ${next.toISOString()}::timestamptz
    where id = ${id} and status = 'processing' and lease_until = ${lease.toISOString()}::timestamptz
    returning id`);
  return result.rows.length === 1;
}

export async function recordUploadEvent(uploadId: string, event: UploadEventInput): Promise<void> {
  await getDb().insert(uploadEvents).values({ uploadId, type: event.type, source: event.source, detail: event.detail });
}

/**
 * Records the `queued` event for a publish whose state transition lost the race to the
 * worker's claim. At most one such event per message id, so a retried publish adds none.
 */
export async function recordLateQueuedEvent(uploadId: string, event: UploadEventInput & { detail: { messageId: string } }): Promise<void> {
  await getDb().execute(sql`
    insert into upload_events (upload_id, type, source, detail)
    select ${uploadId}, 'queued', ${event.source}, ${JSON.stringify(event.detail)}::jsonb
    where not exists (
      select 1 from upload_events
      where upload_id = ${uploadId} and type = 'queued' and detail->>'messageId' = ${event.detail.messageId}
    )`);
}

/** Outbox backoff: 15 s after the first failed publish, doubling up to 4 min (under the 5-minute sweep interval). */
export const OUTBOX_BACKOFF_BASE_MS = 15_000;
export const OUTBOX_BACKOFF_MAX_MS = 4 * 60_000;

/**
 * Counts a failed publish on an `uploaded` row and sets when the sweep's outbox pass may
 * try again (exponential, capped: never a final give-up that strands the row).
 */
export async function recordPublishFailure(id: string, error: string): Promise<void> {
  const db = getDb();
  await db
    .update(uploads)
    .set({
      publishAttempts: sql`${uploads.publishAttempts} + 1`,
      lastPublishError: error.slice(0, 500),
      nextPublishAt: sql`now() + least(${OUTBOX_BACKOFF_MAX_MS}, ${OUTBOX_BACKOFF_BASE_MS} * power(2, least(${uploads.publishAttempts}, 20))) * interval '1 millisecond'`,
    })
    .where(eq(uploads.id, id));
  await db.insert(uploadEvents).values({ uploadId: id, type: "publish_failed", source: "pipeline", detail: { error: error.slice(0, 500) } });
}

/**
 * Records who is completing a pending multipart upload, before CompleteMultipartUpload, so
 * the storage event that completion fires confirms under the honest source. The client
 * always takes it (it is completing now); the sweep only when nobody has, or when a
 * claim is over two minutes old (a /complete that died mid-way). False: leave it be.
 */
export async function claimMultipartCompletion(id: string, by: UploadSource): Promise<boolean> {
  const guard =
    by === "client" ? sql`` : sql` and (multipart_completed_by is null or multipart_completed_by = ${by} or updated_at < now() - interval '2 minutes')`;
  const result = await getDb().execute(sql`
    update uploads set multipart_completed_by = ${by}, updated_at = now()
    where id = ${id} and status = 'pending'${guard}
    returning id`);
  return result.rows.length === 1;
}

/** An admin deleted this upload's object: from now on any bytes at its key are late and the sweep deletes them. */
export async function markObjectDeleted(id: string): Promise<void> {
  await getDb().update(uploads).set({ objectDeletedAt: sql`now()` }).where(eq(uploads.id, id));
}

/**
 * True when a replay or a sweep takeover has since replaced `messageId` for this upload:
 * a failure callback for it is late and must not fail the newer job.
 */
export async function isMessageSuperseded(uploadId: string, messageId: string): Promise<boolean> {
  const result = await getDb().execute(sql`
    select 1 from upload_events
    where upload_id = ${uploadId} and type in ('replay_requested', 'requeued') and detail->>'previousMessageId' = ${messageId}
    limit 1`);
  return result.rows.length > 0;
}

export async function listUploadEvents(uploadId: string): Promise<UploadEventRow[]> {
  return getDb().select().from(uploadEvents).where(eq(uploadEvents.uploadId, uploadId)).orderBy(asc(uploadEvents.at), asc(uploadEvents.id));
}

export type UploadCursor = { createdAt: Date; id: string };

export function encodeCursor(row: { createdAt: Date; id: string }): string {
  return btoa(`${row.createdAt.toISOString()}|${row.id}`).replaceAll("=", "");
}

export function decodeCursor(cursor: string): UploadCursor | null {
  try {
    const [at, id] = atob(cursor).split("|");
    const createdAt = new Date(at!);
    return id && !Number.isNaN(createdAt.getTime()) ? { createdAt, id } : null;
  } catch {
    return null;
  }
}

/** Newest first, keyset-paginated on (created_at, id) so page N costs what page 1 does. */
export async function listUploadsByProject(input: { projectId: string; cursor: UploadCursor | null; limit: number }) {
  const { cursor } = input;
  const after = cursor ? or(lt(uploads.createdAt, cursor.createdAt), and(eq(uploads.createdAt, cursor.createdAt), lt(uploads.id, cursor.id))) : undefined;
  const rows = await getDb()
    .select()
    .from(uploads)
    // Deleted files leave the list; their rows stay as the record (timeline, audit).
    .where(and(eq(uploads.projectId, input.projectId), ne(uploads.status, "deleted"), after))
    .orderBy(desc(uploads.createdAt), desc(uploads.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  return { rows: page, nextCursor: rows.length > input.limit ? encodeCursor(page[page.length - 1]!) : null };
}

export async function getUploadsByIds(ids: string[]): Promise<UploadRow[]> {
  if (!ids.length) return [];
  return getDb().select().from(uploads).where(inArray(uploads.id, ids));
}

export type { UploadSource, UploadStatus };
