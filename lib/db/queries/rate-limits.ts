import { type SQL, sql } from "drizzle-orm";
import { getDb } from "@/lib/db/client";

/** One counter to add a point to, and the points it may reach. */
export type CounterHit = { key: string; windowSeconds: number; max: number };
/** A counter after this request's point. */
export type CountedHit = { key: string; points: number; resetAt: Date };

/**
 * CTEs that count one request, for a statement to start with: `rate_hits` (each counter
 * after its point) and `rate_ok` (one row, `ok` false when a counter is past its max).
 * A counter whose window has ended starts again at 1 with a new window; blocked requests
 * still count, so hammering does not earn a fresh allowance sooner. With `cleanup` the
 * same statement also deletes up to 500 ended windows (not the ones it counts: one
 * statement may not touch a row twice), so the table stays small without a cron.
 * Data-modifying CTEs run once and in full whatever the rest of the statement reads.
 */
export function rateLimitCtes(hits: CounterHit[], cleanup: boolean): SQL {
  if (!hits.length) {
    return sql`rate_hits as (select null::text as key, 0 as points, now() as reset_at where false),
      rate_ok as (select true as ok)`;
  }
  const keys = sql.join(
    hits.map((h) => sql`${h.key}`),
    sql`, `,
  );
  const values = sql.join(
    hits.map((h) => sql`(${h.key}, 1, now() + make_interval(secs => ${h.windowSeconds}))`),
    sql`, `,
  );
  const maxes = sql.join(
    hits.map((h) => sql`(${h.key}, ${h.max}::int)`),
    sql`, `,
  );
  // Left out, not switched off, when not asked: a hot poll plans no scan of the table.
  const stale = cleanup
    ? sql`rate_stale as (
      delete from rate_limits where key in (
        select key from rate_limits where reset_at < now() and key not in (${keys}) limit 500)
    ), `
    : sql``;
  return sql`${stale}rate_hits as (
      insert into rate_limits (key, points, reset_at) values ${values}
      on conflict (key) do update set
        points = case when rate_limits.reset_at <= now() then 1 else rate_limits.points + 1 end,
        reset_at = case when rate_limits.reset_at <= now() then excluded.reset_at else rate_limits.reset_at end
      returning key, points, reset_at
    ), rate_ok as (
      select not exists (
        select 1 from rate_hits h join (values ${maxes}) m(key, max) on m.key = h.key where h.points > m.max) as ok
    )`;
}

/** The counters as a JSON column of the statement's answer: `(select ${RATE_HITS_JSON}) as rate_hits`. */
export const RATE_HITS_JSON = sql`coalesce((select json_agg(json_build_object('key', key, 'points', points, 'resetAt', reset_at)) from rate_hits), '[]'::json)`;

/** Reads the RATE_HITS_JSON column back. */
export function parseRateHits(value: unknown): CountedHit[] {
  const list = (typeof value === "string" ? JSON.parse(value) : value) as { key: string; points: number; resetAt: string }[];
  return list.map((h) => ({ key: h.key, points: Number(h.points), resetAt: new Date(h.resetAt) }));
}

/** Adds one point to each counter, in one statement (with the cleanup when asked). */
export async function hitRateLimits(hits: CounterHit[], cleanup: boolean): Promise<CountedHit[]> {
  const result = await getDb().execute(sql`with ${rateLimitCtes(hits, cleanup)} select ${RATE_HITS_JSON} as rate_hits`);
  return parseRateHits((result.rows[0] as { rate_hits: unknown }).rate_hits);
}
