import { and, desc, inArray, isNull, sql } from "drizzle-orm";
import { getDb } from "../client";
import { storageOrphans } from "../schema";

export type StorageOrphanRow = { key: string; size: number | null; firstSeenAt: Date; lastSeenAt: Date };

/** Objects the sweep found with no intent and that are still in the bucket: the largest first, bounded. */
export async function listOpenStorageOrphans(limit: number): Promise<{ rows: StorageOrphanRow[]; total: number; bytes: number }> {
  const db = getDb();
  const [rows, [sum]] = await Promise.all([
    db
      .select({ key: storageOrphans.key, size: storageOrphans.size, firstSeenAt: storageOrphans.firstSeenAt, lastSeenAt: storageOrphans.lastSeenAt })
      .from(storageOrphans)
      .where(isNull(storageOrphans.deletedAt))
      .orderBy(sql`${storageOrphans.size} desc nulls last`, desc(storageOrphans.lastSeenAt))
      .limit(limit),
    db
      .select({ total: sql<number>`count(*)::int`, bytes: sql<number>`coalesce(sum(${storageOrphans.size}), 0)`.mapWith(Number) })
      .from(storageOrphans)
      .where(isNull(storageOrphans.deletedAt)),
  ]);
  return { rows, total: sum?.total ?? 0, bytes: sum?.bytes ?? 0 };
}

export async function markStorageOrphansDeleted(keys: string[]): Promise<void> {
  if (!keys.length) return;
  await getDb()
    .update(storageOrphans)
    .set({ deletedAt: sql`now()` })
    .where(and(inArray(storageOrphans.key, keys), isNull(storageOrphans.deletedAt)));
}
