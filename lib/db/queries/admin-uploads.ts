import { and, desc, eq, gte, like, lt, type SQL, sql } from "drizzle-orm";
import { getDb } from "../client";
import { projects, UPLOAD_STATUSES, type UploadSource, type UploadStatus, uploadEvents, uploads, user } from "../schema";

export const ADMIN_TYPE_FAMILIES = ["video", "audio", "image", "pdf"] as const;
export type AdminTypeFamily = (typeof ADMIN_TYPE_FAMILIES)[number];

export type AdminUploadFilters = {
  status?: UploadStatus;
  ownerId?: string;
  projectId?: string;
  /** `none`: not confirmed by any trigger yet (pending, aborted, expired). */
  source?: UploadSource | "none";
  type?: AdminTypeFamily;
  /** Inclusive lower and exclusive upper bound on `created_at`. */
  from?: Date;
  to?: Date;
  /** An upload id (or its prefix, from `upl_`) or a substring of the file name. */
  q?: string;
};

export type AdminCursor = { at: Date; id: string };

export type AdminUploadListRow = {
  id: string;
  name: string;
  status: UploadStatus;
  source: UploadSource | null;
  ownerId: string;
  ownerEmail: string | null;
  projectId: string;
  projectName: string | null;
  type: string;
  size: number;
  createdAt: Date;
  updatedAt: Date;
  reason: string | null;
};

const TYPE_PATTERN: Record<AdminTypeFamily, string> = { video: "video/%", audio: "audio/%", image: "image/%", pdf: "application/pdf%" };

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function uploadConditions(f: AdminUploadFilters): SQL[] {
  const where: SQL[] = [];
  if (f.status) where.push(eq(uploads.status, f.status));
  if (f.ownerId) where.push(eq(uploads.ownerId, f.ownerId));
  if (f.projectId) where.push(eq(uploads.projectId, f.projectId));
  if (f.source === "none") where.push(sql`${uploads.source} is null`);
  else if (f.source) where.push(eq(uploads.source, f.source));
  if (f.type) where.push(sql`coalesce(${uploads.realType}, ${uploads.declaredType}) like ${TYPE_PATTERN[f.type]}`);
  if (f.from) where.push(gte(uploads.createdAt, f.from));
  if (f.to) where.push(lt(uploads.createdAt, f.to));
  const q = f.q?.trim();
  if (q) {
    // Ids are compared in the C collation, so a prefix LIKE is a range scan on the primary key.
    if (/^upl_[0-9a-f-]*$/i.test(q)) where.push(like(uploads.id, `${escapeLike(q.toLowerCase())}%`));
    // The trigram index answers any substring; the planner walks the created_at index instead when the term is common.
    else where.push(sql`${uploads.name} ilike ${`%${escapeLike(q)}%`}`);
  }
  return where;
}

/**
 * One page of uploads, newest first, keyset-paginated on (created_at, id). Every filter
 * combination is served by an index whose trailing columns are (created_at, id), so a
 * page costs the same at row 50 and at row 999,950.
 */
export async function listAdminUploads(input: { filters: AdminUploadFilters; cursor: AdminCursor | null; limit: number }): Promise<{
  rows: AdminUploadListRow[];
  nextCursor: AdminCursor | null;
}> {
  const where = uploadConditions(input.filters);
  if (input.cursor) where.push(sql`(${uploads.createdAt}, ${uploads.id}) < (${input.cursor.at.toISOString()}::timestamptz, ${input.cursor.id})`);
  const db = getDb();
  const page = db
    .select({
      id: uploads.id,
      name: uploads.name,
      status: uploads.status,
      source: uploads.source,
      ownerId: uploads.ownerId,
      projectId: uploads.projectId,
      type: sql<string>`coalesce(${uploads.realType}, ${uploads.declaredType})`.as("type"),
      size: sql<number>`coalesce(${uploads.realSize}, ${uploads.declaredSize})`.mapWith(Number).as("size"),
      createdAt: uploads.createdAt,
      updatedAt: uploads.updatedAt,
      reason: sql<string | null>`coalesce(${uploads.failureReason}, ${uploads.rejectReason}, ${uploads.lastPublishError})`.as("reason"),
    })
    .from(uploads)
    .where(and(...where))
    .orderBy(desc(uploads.createdAt), desc(uploads.id))
    .limit(input.limit + 1)
    .as("page");
  const rows = await db
    .select({
      id: page.id,
      name: page.name,
      status: page.status,
      source: page.source,
      ownerId: page.ownerId,
      ownerEmail: user.email,
      projectId: page.projectId,
      projectName: projects.name,
      type: page.type,
      size: page.size,
      createdAt: page.createdAt,
      updatedAt: page.updatedAt,
      reason: page.reason,
    })
    .from(page)
    .leftJoin(user, eq(user.id, page.ownerId))
    .leftJoin(projects, eq(projects.id, page.projectId))
    .orderBy(desc(page.createdAt), desc(page.id));
  const pageRows = rows.slice(0, input.limit).map((r) => ({ ...r, size: Number(r.size) }));
  const last = pageRows[pageRows.length - 1];
  return { rows: pageRows, nextCursor: rows.length > input.limit && last ? { at: last.createdAt, id: last.id } : null };
}

/** The upload with its owner and project, for the admin detail page. */
export async function getAdminUpload(id: string) {
  const [row] = await getDb()
    .select({
      upload: uploads,
      owner: { id: user.id, email: user.email, name: user.name, plan: user.plan, role: user.role },
      project: { id: projects.id, name: projects.name },
    })
    .from(uploads)
    .leftJoin(user, eq(user.id, uploads.ownerId))
    .leftJoin(projects, eq(projects.id, uploads.projectId))
    .where(eq(uploads.id, id))
    .limit(1);
  return row ?? null;
}

/** Uploads per state over the whole table (an index-only scan of the status index). */
export async function countUploadsByStatus(): Promise<Record<UploadStatus, number>> {
  const rows = await getDb().select({ status: uploads.status, n: sql<number>`count(*)::int` }).from(uploads).groupBy(uploads.status);
  const counts = Object.fromEntries(UPLOAD_STATUSES.map((s) => [s, 0])) as Record<UploadStatus, number>;
  for (const r of rows) counts[r.status] = r.n;
  return counts;
}

/** Forgets the DLQ reference of a failed upload once its DLQ entry is discarded, and logs why. */
export async function clearUploadDlqReference(id: string, event: { source: string; detail: Record<string, unknown> }): Promise<void> {
  const db = getDb();
  await db.update(uploads).set({ dlqId: null }).where(eq(uploads.id, id));
  await db.insert(uploadEvents).values({ uploadId: id, type: "dlq_discarded", source: event.source, detail: event.detail });
}

/** Uploads whose storage keys are in `keys` (the orphan ledger matches multipart uploads to intents). */
export async function getUploadStatesByKeys(keys: string[]) {
  if (!keys.length) return [];
  return getDb()
    .select({ id: uploads.id, storageKey: uploads.storageKey, status: uploads.status, deadlineAt: uploads.deadlineAt, s3UploadId: uploads.s3UploadId })
    .from(uploads)
    .where(
      sql`${uploads.storageKey} in (${sql.join(
        keys.map((k) => sql`${k}`),
        sql`, `,
      )})`,
    );
}
