import { and, desc, eq } from "drizzle-orm";
import { getDb } from "../client";
import { type ProjectRole, projectMembers, projects, user } from "../schema";

export async function insertProjectWithOwner(input: { name: string; ownerId: string }) {
  const db = getDb();
  return db.transaction(async (tx) => {
    const [project] = await tx
      .insert(projects)
      .values({ name: input.name, ownerId: input.ownerId })
      .returning({ id: projects.id, name: projects.name, createdAt: projects.createdAt });
    await tx.insert(projectMembers).values({ projectId: project!.id, userId: input.ownerId, role: "owner" });
    return project!;
  });
}

export async function listProjectsByMember(userId: string) {
  return getDb()
    .select({ id: projects.id, name: projects.name, createdAt: projects.createdAt, role: projectMembers.role })
    .from(projectMembers)
    .innerJoin(projects, eq(projects.id, projectMembers.projectId))
    .where(eq(projectMembers.userId, userId))
    .orderBy(desc(projects.createdAt));
}

/** The project if `userId` is a member of it; null otherwise (unknown and foreign look alike). */
/**
 * What creating an upload needs to know, in one round trip: the project if the user is a
 * member, and the user's plan read from the row (not the session cache, so a plan change applies at once).
 */
export async function getUploaderContext(projectId: string, userId: string): Promise<{ project: { id: string; name: string }; plan: "free" | "pro" } | null> {
  const [row] = await getDb()
    .select({ id: projects.id, name: projects.name, plan: user.plan })
    .from(projectMembers)
    .innerJoin(projects, eq(projects.id, projectMembers.projectId))
    .innerJoin(user, eq(user.id, projectMembers.userId))
    .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, userId)))
    .limit(1);
  return row ? { project: { id: row.id, name: row.name }, plan: row.plan } : null;
}

export async function getProjectForMember(projectId: string, userId: string): Promise<{ id: string; name: string; role: ProjectRole } | null> {
  const [row] = await getDb()
    .select({ id: projects.id, name: projects.name, role: projectMembers.role })
    .from(projectMembers)
    .innerJoin(projects, eq(projects.id, projectMembers.projectId))
    .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, userId)))
    .limit(1);
  return row ?? null;
}

/** A project's name by id, whoever asks: for admins, who may open any upload. */
export async function getProjectNameById(projectId: string): Promise<string | null> {
  const [row] = await getDb().select({ name: projects.name }).from(projects).where(eq(projects.id, projectId)).limit(1);
  return row?.name ?? null;
}
