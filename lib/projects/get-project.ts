import { getProjectForMember, getProjectNameById } from "@/lib/db/queries/projects";

const PROJECT_ID = /^prj_[0-9a-f-]{36}$/;

/** The project if the user is a member; null otherwise (the page then 404s). */
export async function getProjectForUser(projectId: string, userId: string) {
  if (!PROJECT_ID.test(projectId)) return null;
  return getProjectForMember(projectId, userId);
}

/**
 * Where an upload page's breadcrumb points: the project page for members; for an admin
 * outside the project, the admin list of that project's uploads, under the same name.
 */
export async function getProjectCrumb(projectId: string, user: { id: string; role: "user" | "admin" }): Promise<{ name: string; href: string } | null> {
  const member = await getProjectForUser(projectId, user.id);
  if (member) return { name: member.name, href: `/projects/${member.id}` };
  if (user.role !== "admin" || !PROJECT_ID.test(projectId)) return null;
  const name = await getProjectNameById(projectId);
  return name ? { name, href: `/admin/uploads?project=${encodeURIComponent(projectId)}` } : null;
}
