import { ApiError } from "@/lib/api/errors";
import { withSession } from "@/lib/api/with-session";
import { abortUpload } from "@/lib/uploads/abort-upload";
import { getUploadView } from "@/lib/uploads/get-upload";

export const runtime = "edge";

type Params = { id: string };

export const GET = withSession<Params>(
  async ({ params, user }) => {
    const view = await getUploadView({ userId: user.id, uploadId: params.id, isAdmin: user.role === "admin" });
    if (!view) throw new ApiError("not_found", "Upload not found.");
    return Response.json(view, { headers: { "cache-control": "no-store" } });
  },
  { rateLimit: "uploads.read" },
);

export const DELETE = withSession<Params>(
  async ({ params, user }) => {
    return Response.json(await abortUpload(params.id, user.id));
  },
  { rateLimit: "uploads.abort" },
);
