import { inArray, lt, sql } from "drizzle-orm";
import { getDb } from "@/lib/db/client";
import { rateLimits } from "@/lib/db/schema";

/**
 * Adds one point to each counter in a single atomic upsert. A counter whose window has
 * ended starts again at 1 with a new window; blocked requests still count, so hammering
 * does not earn a fresh allowance sooner.
 */
export async function hitRateLimits(hits: { key: string; windowSeconds: number }[]): Promise<{ key: string; points: number; resetAt: Date }[]> {
  return getDb()
    .insert(rateLimits)
    .values(hits.map((h) => ({ key: h.key, points: 1, resetAt: sql`now() + make_interval(secs => ${h.windowSeconds})` })))
    .onConflictDoUpdate({
      target: rateLimits.key,
      set: {
        points: sql`CASE WHEN ${rateLimits.resetAt} <= now() THEN 1 ELSE ${rateLimits.points} + 1 END`,
        resetAt: sql`CASE WHEN ${rateLimits.resetAt} <= now() THEN excluded.reset_at ELSE ${rateLimits.resetAt} END`,
      },
    })
    .returning({ key: rateLimits.key, points: rateLimits.points, resetAt: rateLimits.resetAt });
}

/** Deletes up to 500 counters whose window ended; bounded so no caller pays for a backlog. */
export async function deleteStaleRateLimits(): Promise<void> {
  const db = getDb();
  const stale = db.select({ key: rateLimits.key }).from(rateLimits).where(lt(rateLimits.resetAt, sql`now()`)).limit(500);
  await db.delete(rateLimits).where(inArray(rateLimits.key, stale));
}
