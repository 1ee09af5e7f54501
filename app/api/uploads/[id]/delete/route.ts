import { withSession } from "@/lib/api/with-session";
import { deleteOwnedUpload } from "@/lib/uploads/delete-upload";

export const runtime = "edge";

type Params = { id: string };

/**
 * The owner deletes a file: 200 with the `deleted` upload (again on a repeat), 404 for
 * anyone else's, 409 while it is processing. POST, not DELETE: DELETE /api/uploads/:id
 * is the uploader's cancel, which must never remove a finished file.
 */
export const POST = withSession<Params>(
  async ({ params, user }) => {
    return Response.json(await deleteOwnedUpload(params.id, user));
  },
  { rateLimit: "uploads.abort" },
);
