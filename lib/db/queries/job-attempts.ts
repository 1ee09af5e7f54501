import { and, asc, desc, eq, ne, sql } from "drizzle-orm";
import { getDb } from "../client";
import { type JobStatus, type JsonObject, jobs, uploadEvents } from "../schema";

export type JobAttemptRow = typeof jobs.$inferSelect;

/** One row per delivery attempt, written when the attempt starts (its `started_at` is the worker-start clock). */
export async function insertJobAttempt(input: { uploadId: string; messageId: string; queue: string | null; attempt: number }): Promise<JobAttemptRow> {
  const [row] = await getDb().insert(jobs).values(input).returning();
  return row!;
}

export async function finishJobAttempt(id: number, input: { status: Exclude<JobStatus, "started">; result?: JsonObject; error?: string }): Promise<void> {
  await getDb()
    .update(jobs)
    .set({
      status: input.status,
      result: input.result,
      error: input.error?.slice(0, 1000),
      endedAt: sql`now()`,
      durationMs: sql`round(extract(epoch from (now() - ${jobs.startedAt})) * 1000)::int`,
    })
    .where(eq(jobs.id, id));
}

/** The newest other attempt that has not finished: who holds the lease on a `processing` upload. */
export async function getOpenJobAttempt(uploadId: string, excludeId: number): Promise<JobAttemptRow | null> {
  const [row] = await getDb()
    .select()
    .from(jobs)
    .where(and(eq(jobs.uploadId, uploadId), eq(jobs.status, "started"), ne(jobs.id, excludeId)))
    .orderBy(desc(jobs.startedAt), desc(jobs.id))
    .limit(1);
  return row ?? null;
}

export async function listJobAttempts(uploadId: string): Promise<JobAttemptRow[]> {
  return getDb().select().from(jobs).where(eq(jobs.uploadId, uploadId)).orderBy(asc(jobs.startedAt), asc(jobs.id));
}

/** How many times an admin has replayed this upload; the next replay's dedup id uses the count. */
export async function countReplays(uploadId: string): Promise<number> {
  const [row] = await getDb()
    .select({ n: sql<number>`count(*)::int` })
    .from(uploadEvents)
    .where(and(eq(uploadEvents.uploadId, uploadId), eq(uploadEvents.type, "replay_requested")));
  return row?.n ?? 0;
}
