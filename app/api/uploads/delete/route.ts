import { parseJsonBody } from "@/lib/api/parse-body";
import { withSession } from "@/lib/api/with-session";
import { BULK_DELETE_INPUT, deleteOwnedUploads } from "@/lib/uploads/delete-upload";

export const runtime = "edge";

/** Deletes up to 100 of the user's files at once; the answer says what happened to each id. */
export const POST = withSession(
  async ({ req, user }) => {
    const input = await parseJsonBody(req, BULK_DELETE_INPUT);
    return Response.json(await deleteOwnedUploads(input.ids, user));
  },
  { rateLimit: "uploads.abort" },
);
