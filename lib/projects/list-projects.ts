import { listProjectsByMember } from "@/lib/db/queries/projects";

export async function listProjectsForUser(userId: string) {
  return listProjectsByMember(userId);
}
