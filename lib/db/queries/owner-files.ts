import { sql } from "drizzle-orm";
import { getDb } from "../client";
import { derivedFiles, uploads } from "../schema";

/** The predicate of uploads_owner_stored_idx: keep the two in step. */
const STORED = sql`${uploads.status} not in ('deleted', 'expired', 'aborted') and ${uploads.objectDeletedAt} is null`;

/**
 * The bytes a user stores (the storage quota): each upload that still holds or may still
 * receive bytes, at its stored size (pending ones at their declared size), plus its
 * derived files. Deleted, expired and aborted uploads, and ones whose object is gone
 * (a purged rejection, an admin's delete), count nothing. Both sums walk the owner's
 * rows through uploads_owner_stored_idx (an index-only scan for the first).
 */
export async function getStoredBytes(ownerId: string): Promise<{ uploadBytes: number; derivedBytes: number }> {
  const result = await getDb().execute(sql`
    select
      (select coalesce(sum(coalesce(${uploads.realSize}, ${uploads.declaredSize})), 0)
         from ${uploads}
        where ${uploads.ownerId} = ${ownerId} and ${STORED}) as upload_bytes,
      (select coalesce(sum(d.bytes), 0)
         from ${uploads} join ${derivedFiles} d on d.upload_id = ${uploads.id}
        where ${uploads.ownerId} = ${ownerId} and ${STORED}) as derived_bytes`);
  const row = result.rows[0] as { upload_bytes: string | number; derived_bytes: string | number } | undefined;
  return { uploadBytes: Number(row?.upload_bytes ?? 0), derivedBytes: Number(row?.derived_bytes ?? 0) };
}

/** The same figure for many users at once (the admin users page). */
export async function getStoredBytesByOwner(ownerIds: string[]): Promise<Map<string, number>> {
  if (!ownerIds.length) return new Map();
  const result = await getDb().execute(sql`
    select u.owner_id, sum(coalesce(u.real_size, u.declared_size) + coalesce(d.bytes, 0)) as bytes
      from ${uploads} u
      left join lateral (select sum(bytes) as bytes from ${derivedFiles} where upload_id = u.id) d on true
     where u.owner_id in (${sql.join(
       ownerIds.map((id) => sql`${id}`),
       sql`, `,
     )}) and u.status not in ('deleted', 'expired', 'aborted') and u.object_deleted_at is null
     group by u.owner_id`);
  return new Map((result.rows as { owner_id: string; bytes: string }[]).map((r) => [r.owner_id, Number(r.bytes)]));
}
