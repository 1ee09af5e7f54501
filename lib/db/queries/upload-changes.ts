import { type SQL, sql } from "drizzle-orm";
import { getDb } from "../client";
import { mapUploadRow, type UploadRow } from "./uploads";

/** A position in a project's change stream: rows are ordered by (updated_at, id). */
export type ChangeCursor = { at: string; id: string };

/**
 * How far behind the database clock a returned cursor stays. `updated_at` is the
 * statement's start time, so a transition that started before a poll but commits after
 * it carries an earlier time than rows the poll already saw; holding the cursor this far
 * back lets the next poll pick such a row up (a change may then be sent twice).
 */
export const CURSOR_LAG = "2 seconds";

export type ProjectChanges = {
  /** The rate-limit counters this poll counted (the `column` of the counting CTEs). */
  rateHits: unknown;
  /** False when a counter was past its allowance: nothing else was read. */
  underLimit: boolean;
  /** False when the caller may not read the project (or it does not exist). */
  allowed: boolean;
  rows: UploadRow[];
  /** Where the next poll starts; null when nothing changed (keep the old cursor). */
  next: ChangeCursor | null;
};

/**
 * One statement per poll: the rate-limit count (`rateLimit`, CTEs from lib/rate-limit
 * that define `rate_ok`), the access check and the rows of `projectId` changed after
 * `since`, oldest change first, through uploads_project_updated_idx. Over the limit, the
 * access check and the rows are not read. With more than `limit` changes the cursor is
 * the last row returned, so the caller asks again at once.
 */
export async function listProjectChanges(input: {
  projectId: string;
  userId: string;
  isAdmin: boolean;
  since: ChangeCursor;
  limit: number;
  rateLimit: { ctes: SQL; column: SQL };
}): Promise<ProjectChanges> {
  const { projectId, userId, isAdmin, since, limit, rateLimit } = input;
  const result = await getDb().execute(sql`
    with ${rateLimit.ctes}, access as (
      select case when not (select ok from rate_ok) then false
        when ${isAdmin}::boolean
        then exists (select 1 from projects where id = ${projectId})
        else exists (select 1 from project_members where project_id = ${projectId} and user_id = ${userId})
      end as allowed
    ), changed as (
      select u.*, to_char(u.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as change_at
      from uploads u, access
      where access.allowed and u.project_id = ${projectId}
        and (u.updated_at, u.id) > (${since.at}::timestamptz, ${since.id})
      order by u.updated_at, u.id
      limit ${limit + 1}
    )
    select (select ok from rate_ok) as rate_ok, ${rateLimit.column} as rate_hits, access.allowed as change_allowed,
      to_char((now() - ${CURSOR_LAG}::interval) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as change_horizon,
      changed.*
    from access left join changed on true
    order by changed.updated_at, changed.id`);
  const raw = result.rows as Record<string, unknown>[];
  const head = raw[0]!;
  const counted = { rateHits: head.rate_hits, underLimit: Boolean(head.rate_ok) };
  if (!head.change_allowed) return { ...counted, allowed: false, rows: [], next: null };
  const found = raw.filter((r) => r.id !== null && r.id !== undefined);
  if (!found.length) return { ...counted, allowed: true, rows: [], next: null };
  const more = found.length > limit;
  const page = found.slice(0, limit);
  const last = page[page.length - 1]!;
  const lastCursor = { at: String(last.change_at), id: String(last.id) };
  const horizon = { at: String(head.change_horizon), id: "" };
  // Both are fixed-width UTC strings, so comparing them as text compares the times.
  const next = more || lastCursor.at < horizon.at ? lastCursor : horizon;
  return { ...counted, allowed: true, rows: page.map(mapUploadRow), next: laterOf(next, since) };
}

/** A cursor never moves backwards, even when the lag would put it before the caller's. */
function laterOf(a: ChangeCursor, b: ChangeCursor): ChangeCursor {
  if (a.at !== b.at) return a.at > b.at ? a : b;
  return a.id >= b.id ? a : b;
}
