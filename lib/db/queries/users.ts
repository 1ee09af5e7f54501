import { eq } from "drizzle-orm";
import { getDb } from "../client";
import { user } from "../schema";

/** Plan and role straight from the row: the session cookie cache may be a minute old. */
export async function getUserPlanAndRole(userId: string): Promise<{ plan: "free" | "pro"; role: string } | null> {
  const [row] = await getDb().select({ plan: user.plan, role: user.role }).from(user).where(eq(user.id, userId)).limit(1);
  return row ? { plan: row.plan, role: row.role ?? "user" } : null;
}
