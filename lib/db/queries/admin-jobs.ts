import { and, desc, eq, inArray, type SQL, sql } from "drizzle-orm";
import { getDb } from "../client";
import { jobs, uploads, user } from "../schema";
import type { AdminCursor } from "./admin-uploads";

export type FailedUploadRow = {
  id: string;
  name: string;
  ownerId: string;
  ownerEmail: string | null;
  plan: "free" | "pro";
  createdAt: Date;
  failedAt: Date | null;
  failureReason: string | null;
  dlqId: string | null;
  qstashMessageId: string | null;
  attempts: number;
  lastError: string | null;
  lastAttemptStatus: string | null;
};

/**
 * Failed uploads, newest first, keyset-paginated on the status index, each with its
 * attempt count and the error of its latest attempt.
 */
export async function listFailedUploads(input: { cursor: AdminCursor | null; limit: number; ownerId?: string }): Promise<{
  rows: FailedUploadRow[];
  nextCursor: AdminCursor | null;
}> {
  const db = getDb();
  const where: SQL[] = [eq(uploads.status, "failed")];
  if (input.ownerId) where.push(eq(uploads.ownerId, input.ownerId));
  if (input.cursor) where.push(sql`(${uploads.createdAt}, ${uploads.id}) < (${input.cursor.at.toISOString()}::timestamptz, ${input.cursor.id})`);
  const latest = db
    .select({
      attempts: sql<number>`count(*) over ()`.mapWith(Number).as("attempts"),
      lastError: sql<string | null>`${jobs.error}`.as("last_error"),
      lastAttemptStatus: sql<string | null>`${jobs.status}`.as("last_status"),
    })
    .from(jobs)
    .where(eq(jobs.uploadId, uploads.id))
    .orderBy(desc(jobs.startedAt), desc(jobs.id))
    .limit(1)
    .as("latest");
  const rows = await db
    .select({
      id: uploads.id,
      name: uploads.name,
      ownerId: uploads.ownerId,
      ownerEmail: user.email,
      plan: uploads.plan,
      createdAt: uploads.createdAt,
      failedAt: uploads.failedAt,
      failureReason: uploads.failureReason,
      dlqId: uploads.dlqId,
      qstashMessageId: uploads.qstashMessageId,
      attempts: sql<number>`coalesce(${latest.attempts}, 0)`.mapWith(Number),
      lastError: latest.lastError,
      lastAttemptStatus: latest.lastAttemptStatus,
    })
    .from(uploads)
    .leftJoinLateral(latest, sql`true`)
    .leftJoin(user, eq(user.id, uploads.ownerId))
    .where(and(...where))
    .orderBy(desc(uploads.createdAt), desc(uploads.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  return { rows: page, nextCursor: rows.length > input.limit && last ? { at: last.createdAt, id: last.id } : null };
}

/** Status and DLQ reference of the given uploads (replay and discard re-check them). */
export async function getUploadsForJobActions(ids: string[]) {
  if (!ids.length) return [];
  return getDb()
    .select({ id: uploads.id, status: uploads.status, dlqId: uploads.dlqId, qstashMessageId: uploads.qstashMessageId })
    .from(uploads)
    .where(inArray(uploads.id, ids));
}
