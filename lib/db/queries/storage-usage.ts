import { eq, getTableColumns, inArray, sql } from "drizzle-orm";
import { getDb } from "../client";
import { derivedFiles, storageUsage, uploads } from "../schema";
import { mapUploadRow, type NewUpload, type UploadEventInput, type UploadRow } from "./uploads";

export type StoredBytes = { uploadBytes: number; derivedBytes: number };

/** A user's row of storage_usage (kept by triggers, drizzle/0013): one primary-key read. */
export async function getStoredBytes(ownerId: string): Promise<StoredBytes> {
  const [row] = await getDb()
    .select({ uploadBytes: storageUsage.uploadBytes, derivedBytes: storageUsage.derivedBytes })
    .from(storageUsage)
    .where(eq(storageUsage.userId, ownerId));
  return row ?? { uploadBytes: 0, derivedBytes: 0 };
}

/** The same figure for many users at once (the admin users page); users storing nothing are absent. */
export async function getStoredBytesByOwner(ownerIds: string[]): Promise<Map<string, number>> {
  if (!ownerIds.length) return new Map();
  const rows = await getDb().select().from(storageUsage).where(inArray(storageUsage.userId, ownerIds));
  return new Map(rows.filter((r) => r.uploadBytes + r.derivedBytes !== 0).map((r) => [r.userId, r.uploadBytes + r.derivedBytes]));
}

/**
 * What storage_usage must equal, counted from scratch (tests and audits; O(the user's
 * uploads)): each upload that still holds or may still receive bytes, at its stored size
 * (pending ones at their declared size), plus its derived files. Deleted, expired and
 * aborted uploads, and ones whose object is gone (a purged rejection, an admin's
 * delete), count nothing.
 */
export async function recountStoredBytes(ownerId: string): Promise<StoredBytes> {
  const stored = sql`${uploads.status} not in ('deleted', 'expired', 'aborted') and ${uploads.objectDeletedAt} is null`;
  const result = await getDb().execute(sql`
    select
      (select coalesce(sum(coalesce(${uploads.realSize}, ${uploads.declaredSize})), 0)
         from ${uploads} where ${uploads.ownerId} = ${ownerId} and ${stored}) as upload_bytes,
      (select coalesce(sum(d.bytes), 0)
         from ${uploads} join ${derivedFiles} d on d.upload_id = ${uploads.id}
        where ${uploads.ownerId} = ${ownerId} and ${stored}) as derived_bytes`);
  const row = result.rows[0] as { upload_bytes: string | number; derived_bytes: string | number };
  return { uploadBytes: Number(row.upload_bytes), derivedBytes: Number(row.derived_bytes) };
}

const COLUMNS = getTableColumns(uploads);

/**
 * Inserts the upload (and its first timeline event) only if its declared size still fits
 * in `limitBytes`, in one statement. The statement first upserts the owner's usage row,
 * which locks it: a racing create waits there until this one commits (its insert's
 * trigger having added the new row's bytes), then reads the new total. So two creates
 * cannot both take the last bytes. Null row: refused, with the usage it saw.
 */
export async function insertUploadWithinQuota(
  row: NewUpload & { ownerId: string; declaredSize: number },
  event: UploadEventInput,
  limitBytes: number,
): Promise<{ row: UploadRow | null; usedBytes: number }> {
  const entries = Object.entries(row).filter(([, value]) => value !== undefined) as [keyof typeof COLUMNS, unknown][];
  const names = sql.join(
    entries.map(([key]) => sql.identifier(COLUMNS[key].name)),
    sql`, `,
  );
  // INSERT … SELECT types its values from the select, so each parameter is cast to its column's type.
  const values = sql.join(
    entries.map(([key, value]) => sql`${sql.param(value, COLUMNS[key])}::${sql.raw(COLUMNS[key].getSQLType())}`),
    sql`, `,
  );
  const result = await getDb().execute(sql`
    with usage as (
      insert into storage_usage as s (user_id) values (${row.ownerId})
      on conflict (user_id) do update set user_id = s.user_id
      returning s.upload_bytes + s.derived_bytes as used
    ), created as (
      insert into uploads (${names})
      select ${values} from usage where usage.used + ${row.declaredSize}::bigint <= ${limitBytes}::bigint
      returning *
    ), logged as (
      insert into upload_events (upload_id, type, source, detail)
      select id, ${event.type}, ${event.source}, ${JSON.stringify(event.detail ?? {})}::jsonb from created
    )
    select usage.used as quota_used_bytes, created.* from usage left join created on true`);
  const raw = result.rows[0] as Record<string, unknown>;
  return { usedBytes: Number(raw.quota_used_bytes), row: raw.id ? mapUploadRow(raw) : null };
}
