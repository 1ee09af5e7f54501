import { z } from "zod";
import { insertProjectWithOwner } from "@/lib/db/queries/projects";

export const CREATE_PROJECT_INPUT = z.object({ name: z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters") }).strict();

export async function createProject(userId: string, input: z.infer<typeof CREATE_PROJECT_INPUT>) {
  const project = await insertProjectWithOwner({ name: input.name, ownerId: userId });
  return { id: project.id, name: project.name, createdAt: project.createdAt.toISOString() };
}
