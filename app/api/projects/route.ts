import { parseJsonBody } from "@/lib/api/parse-body";
import { withSession } from "@/lib/api/with-session";
import { CREATE_PROJECT_INPUT, createProject } from "@/lib/projects/create-project";
import { listProjectsForUser } from "@/lib/projects/list-projects";

export const runtime = "edge";

export const GET = withSession(
  async ({ user }) => {
    const projects = await listProjectsForUser(user.id);
    return Response.json({ projects: projects.map((p) => ({ ...p, createdAt: p.createdAt.toISOString() })) });
  },
  { rateLimit: "uploads.read" },
);

export const POST = withSession(
  async ({ req, user }) => {
    const input = await parseJsonBody(req, CREATE_PROJECT_INPUT);
    return Response.json({ project: await createProject(user.id, input) }, { status: 201 });
  },
  { rateLimit: "projects.create" },
);
