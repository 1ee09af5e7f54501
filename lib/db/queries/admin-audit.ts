import { desc, eq, sql } from "drizzle-orm";
import { getDb } from "../client";
import { adminAudit, type JsonObject, user } from "../schema";

export type AdminAuditRow = {
  id: number;
  actorId: string;
  actorEmail: string | null;
  action: string;
  target: string | null;
  detail: JsonObject | null;
  at: Date;
};
export type AuditCursor = { at: Date; id: number };

export async function insertAdminAudit(input: { actorId: string; action: string; target: string | null; detail: JsonObject }): Promise<void> {
  await getDb().insert(adminAudit).values(input);
}

/** The audit trail, newest first, keyset-paginated on (at, id). */
export async function listAdminAudit(input: { cursor: AuditCursor | null; limit: number }): Promise<{ rows: AdminAuditRow[]; nextCursor: AuditCursor | null }> {
  const rows = await getDb()
    .select({
      id: adminAudit.id,
      actorId: adminAudit.actorId,
      actorEmail: user.email,
      action: adminAudit.action,
      target: adminAudit.target,
      detail: adminAudit.detail,
      at: adminAudit.at,
    })
    .from(adminAudit)
    .leftJoin(user, eq(user.id, adminAudit.actorId))
    .where(input.cursor ? sql`(${adminAudit.at}, ${adminAudit.id}) < (${input.cursor.at.toISOString()}::timestamptz, ${input.cursor.id})` : undefined)
    .orderBy(desc(adminAudit.at), desc(adminAudit.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  return { rows: page, nextCursor: rows.length > input.limit && last ? { at: last.at, id: last.id } : null };
}
