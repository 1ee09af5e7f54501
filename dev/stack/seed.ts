import "@/lib/db/node";
import { eq } from "drizzle-orm";
import { getAuth } from "@/lib/auth/auth";
import { getDb } from "@/lib/db/client";
import { insertProjectWithOwner, listProjectsByMember } from "@/lib/db/queries/projects";
import { user } from "@/lib/db/schema";

/** Local-only accounts; they exist in the embedded dev database and nowhere else. */
export const DEV_USERS = [
  { email: "free@biblio.local", password: "biblio-free-dev", name: "Fay Free", plan: "free", role: "user" },
  { email: "pro@biblio.local", password: "biblio-pro-dev", name: "Pat Pro", plan: "pro", role: "user" },
  { email: "admin@biblio.local", password: "biblio-admin-dev", name: "Ada Admin", plan: "pro", role: "admin" },
] as const;

/** Idempotent: creates missing users, resets plan and role, and gives each a project. */
export async function seedDevUsers(): Promise<void> {
  const db = getDb();
  for (const dev of DEV_USERS) {
    let [row] = await db.select({ id: user.id }).from(user).where(eq(user.email, dev.email)).limit(1);
    if (!row) {
      const created = await getAuth().api.signUpEmail({ body: { email: dev.email, password: dev.password, name: dev.name } });
      row = { id: created.user.id };
    }
    await db.update(user).set({ plan: dev.plan, role: dev.role }).where(eq(user.id, row.id));
    if ((await listProjectsByMember(row.id)).length === 0) {
      await insertProjectWithOwner({ name: "My first project", ownerId: row.id });
    }
  }
}
