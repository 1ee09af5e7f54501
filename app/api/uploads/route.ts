import { z } from "zod";
import { parseJsonBody, parseParams } from "@/lib/api/parse-body";
import { withSession } from "@/lib/api/with-session";
import { CREATE_UPLOAD_INPUT, createUpload } from "@/lib/uploads/create-upload";
import { listUploads } from "@/lib/uploads/list-uploads";

export const runtime = "edge";

const LIST_QUERY = z.object({
  projectId: z.string().min(1),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});

export const POST = withSession(
  async ({ req, user }) => {
    const input = await parseJsonBody(req, CREATE_UPLOAD_INPUT);
    return Response.json(await createUpload(user.id, input), { status: 201 });
  },
  { rateLimit: "uploads.create" },
);

export const GET = withSession(
  async ({ req, user }) => {
    const query = parseParams(LIST_QUERY, Object.fromEntries(new URL(req.url).searchParams));
    return Response.json(await listUploads({ userId: user.id, ...query }));
  },
  { rateLimit: "uploads.read" },
);
