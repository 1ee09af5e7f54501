import { withSession } from "@/lib/api/with-session";
import { completeUpload } from "@/lib/uploads/complete-upload";

export const runtime = "edge";

type Params = { id: string };

/** The body is ignored: the server reads the parts from storage, not from the client. */
export const POST = withSession<Params>(
  async ({ params, user }) => {
    return Response.json(await completeUpload(params.id, user.id));
  },
  { rateLimit: "uploads.complete" },
);
