import { sql } from "drizzle-orm";
import { getDb } from "../client";

// Arrays go in as one bound parameter (`sql.param`), not expanded into a list, so a
// 1,000-key page is one statement with three parameters.

export type OrphanSighting = { key: string; size: number | null; etag: string | null };

/** Upserts sightings in one statement; returns when each key was first seen. */
export async function recordOrphans(rows: OrphanSighting[]): Promise<{ key: string; firstSeenAt: Date }[]> {
  if (!rows.length) return [];
  const result = await getDb().execute(sql`
    insert into storage_orphans (key, size, etag)
    select * from unnest(${sql.param(rows.map((r) => r.key))}::text[], ${sql.param(rows.map((r) => r.size))}::bigint[], ${sql.param(rows.map((r) => r.etag))}::text[])
    on conflict (key) do update set size = excluded.size, etag = excluded.etag, last_seen_at = now(), deleted_at = null
    returning key, first_seen_at`);
  return (result.rows as { key: string; first_seen_at: string | Date }[]).map((r) => ({ key: r.key, firstSeenAt: new Date(r.first_seen_at) }));
}

export async function markOrphansDeleted(keys: string[]): Promise<void> {
  if (!keys.length) return;
  await getDb().execute(sql`update storage_orphans set deleted_at = now() where key = any(${sql.param(keys)}::text[])`);
}

export async function getOrphan(key: string): Promise<{ key: string; size: number | null; deletedAt: Date | null } | null> {
  const result = await getDb().execute(sql`select key, size, deleted_at from storage_orphans where key = ${key}`);
  const row = result.rows[0] as { key: string; size: string | null; deleted_at: string | null } | undefined;
  return row ? { key: row.key, size: row.size === null ? null : Number(row.size), deletedAt: row.deleted_at ? new Date(row.deleted_at) : null } : null;
}
