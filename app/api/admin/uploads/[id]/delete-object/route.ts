import "@/lib/db/node";
import { deleteUploadObject } from "@/lib/admin/delete-upload-object";
import { recordAdminAction } from "@/lib/admin/record-admin-action";
import { withAdmin } from "@/lib/api/with-session";

export const runtime = "nodejs";

/** Deletes a settled upload's object from the bucket; the row and timeline remain. */
export const POST = withAdmin<{ id: string }>(async ({ params, user }) => {
  const result = await recordAdminAction(user, "upload.delete_object", params.id, () => deleteUploadObject(params.id, user));
  return Response.json(result);
});
