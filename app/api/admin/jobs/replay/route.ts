import "@/lib/db/node";
import { z } from "zod";
import { recordAdminAction } from "@/lib/admin/record-admin-action";
import { replayFailedUploads } from "@/lib/admin/replay-failed-uploads";
import { parseJsonBody } from "@/lib/api/parse-body";
import { withAdmin } from "@/lib/api/with-session";

export const runtime = "nodejs";

const BODY = z
  .object({
    uploadIds: z
      .array(z.string().regex(/^upl_[0-9a-f-]{36}$/))
      .min(1)
      .max(100),
  })
  .strict();

/** Replays many failed uploads; each one's outcome is reported separately. */
export const POST = withAdmin(async ({ req, user }) => {
  const { uploadIds } = await parseJsonBody(req, BODY);
  const ids = [...new Set(uploadIds)];
  const result = await recordAdminAction(user, "jobs.replay", ids.join(","), () => replayFailedUploads(ids, user));
  return Response.json(result);
});
