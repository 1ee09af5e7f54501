import { desc, sql } from "drizzle-orm";
import { getDb } from "../client";
import { sweepRuns } from "../schema";

export type SweepRunRow = typeof sweepRuns.$inferSelect;
export type SweepCursor = { at: Date; id: number };

/** Sweep history, newest first, keyset-paginated on (started_at, id). */
export async function listSweepRuns(input: { cursor: SweepCursor | null; limit: number }): Promise<{ rows: SweepRunRow[]; nextCursor: SweepCursor | null }> {
  const rows = await getDb()
    .select({
      id: sweepRuns.id,
      startedAt: sweepRuns.startedAt,
      endedAt: sweepRuns.endedAt,
      durationMs: sweepRuns.durationMs,
      trigger: sweepRuns.trigger,
      counts: sweepRuns.counts,
      error: sweepRuns.error,
    })
    .from(sweepRuns)
    .where(input.cursor ? sql`(${sweepRuns.startedAt}, ${sweepRuns.id}) < (${input.cursor.at.toISOString()}::timestamptz, ${input.cursor.id})` : undefined)
    .orderBy(desc(sweepRuns.startedAt), desc(sweepRuns.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  return { rows: page, nextCursor: rows.length > input.limit && last ? { at: last.startedAt, id: last.id } : null };
}

/** The newest finished sweep, which produced the orphan ledger now on record. */
export async function getLastFinishedSweep(): Promise<Pick<SweepRunRow, "id" | "startedAt" | "endedAt" | "trigger"> | null> {
  const [row] = await getDb()
    .select({ id: sweepRuns.id, startedAt: sweepRuns.startedAt, endedAt: sweepRuns.endedAt, trigger: sweepRuns.trigger })
    .from(sweepRuns)
    .where(sql`${sweepRuns.endedAt} is not null`)
    .orderBy(desc(sweepRuns.startedAt))
    .limit(1);
  return row ?? null;
}
