import "@/lib/db/node";
import { z } from "zod";
import { cancelUpload } from "@/lib/admin/cancel-upload";
import { recordAdminAction } from "@/lib/admin/record-admin-action";
import { parseJsonBody } from "@/lib/api/parse-body";
import { withAdmin } from "@/lib/api/with-session";

export const runtime = "nodejs";

const BODY = z.object({ to: z.enum(["aborted", "expired"]) }).strict();

/** Ends a pending upload as `aborted` or `expired`, aborting its multipart upload. */
export const POST = withAdmin<{ id: string }>(async ({ req, params, user }) => {
  const { to } = await parseJsonBody(req, BODY);
  const result = await recordAdminAction(user, to === "aborted" ? "upload.cancel" : "upload.expire", params.id, () => cancelUpload(params.id, to, user));
  return Response.json(result);
});
