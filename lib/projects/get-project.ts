import { getProjectForMember } from "@/lib/db/queries/projects";

/** The project if the user is a member; null otherwise (the page then 404s). */
export async function getProjectForUser(projectId: string, userId: string) {
  if (!/^prj_[0-9a-f-]{36}$/.test(projectId)) return null;
  return getProjectForMember(projectId, userId);
}
