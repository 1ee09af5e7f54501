import { and, desc, eq, ilike, type SQL, sql } from "drizzle-orm";
import { getDb } from "../client";
import { type Plan, user } from "../schema";

export type AdminUserRow = { id: string; email: string; name: string; role: string; plan: Plan; banned: boolean; createdAt: Date };
export type UserCursor = { at: Date; id: string };

/** Users, newest first, keyset-paginated; `q` matches a substring of the email or name. */
export async function listAdminUsers(input: {
  q?: string;
  cursor: UserCursor | null;
  limit: number;
}): Promise<{ rows: AdminUserRow[]; nextCursor: UserCursor | null }> {
  const where: SQL[] = [];
  const q = input.q?.trim();
  if (q) {
    const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(sql`(${ilike(user.email, pattern)} or ${ilike(user.name, pattern)})`);
  }
  if (input.cursor) where.push(sql`(${user.createdAt}, ${user.id}) < (${input.cursor.at.toISOString()}::timestamptz, ${input.cursor.id})`);
  const rows = await getDb()
    .select({
      id: user.id,
      email: user.email,
      name: user.name,
      role: sql<string>`coalesce(${user.role}, 'user')`,
      plan: user.plan,
      banned: sql<boolean>`coalesce(${user.banned}, false)`,
      createdAt: user.createdAt,
    })
    .from(user)
    .where(and(...where))
    .orderBy(desc(user.createdAt), desc(user.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  return { rows: page, nextCursor: rows.length > input.limit && last ? { at: last.createdAt, id: last.id } : null };
}

/** A user by id or exact email (the uploads filter accepts either). */
export async function findUserByIdOrEmail(value: string): Promise<{ id: string; email: string } | null> {
  const column = value.includes("@") ? user.email : user.id;
  const [row] = await getDb().select({ id: user.id, email: user.email }).from(user).where(eq(column, value.trim())).limit(1);
  return row ?? null;
}

/** Sets a user's plan; returns the previous plan, or null when the user does not exist. */
export async function setUserPlan(userId: string, plan: Plan): Promise<{ previous: Plan; email: string } | null> {
  const result = await getDb().execute<{ previous: Plan; email: string }>(sql`
    update "user" u set plan = ${plan}, updated_at = now()
    from (select id, plan from "user" where id = ${userId} for update) old
    where u.id = old.id
    returning old.plan as previous, u.email`);
  return result.rows[0] ?? null;
}
