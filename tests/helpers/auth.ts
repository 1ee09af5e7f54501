import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { getAuth } from "@/lib/auth/auth";
import { getDb } from "@/lib/db/client";
import { insertProjectWithOwner } from "@/lib/db/queries/projects";
import { user } from "@/lib/db/schema";

export type TestUser = { id: string; email: string; cookie: string; projectId: string };

/** A fresh account with a real session cookie and one project, signed in through better-auth. */
export async function createTestUser(opts: { plan?: "free" | "pro"; role?: "user" | "admin" } = {}): Promise<TestUser> {
  const email = `t-${randomUUID()}@biblio.test`;
  const password = "correct-horse-battery";
  const res = await getAuth().api.signUpEmail({ body: { email, password, name: "Test User" }, asResponse: true });
  if (!res.ok) throw new Error(`sign-up failed: ${res.status} ${await res.text()}`);
  const { user: created } = (await res.json()) as { user: { id: string } };
  await getDb()
    .update(user)
    .set({ plan: opts.plan ?? "free", role: opts.role ?? "user" })
    .where(eq(user.id, created.id));
  // Sign in again so the cookie cache carries the plan and role just set.
  const signIn = await getAuth().api.signInEmail({ body: { email, password }, asResponse: true });
  const cookie = signIn.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  const project = await insertProjectWithOwner({ name: "Test project", ownerId: created.id });
  return { id: created.id, email, cookie, projectId: project.id };
}
