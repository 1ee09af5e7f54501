import "@/lib/db/node";
import { recordAdminAction } from "@/lib/admin/record-admin-action";
import { replayFailedUploads } from "@/lib/admin/replay-failed-uploads";
import { withAdmin } from "@/lib/api/with-session";

export const runtime = "nodejs";

/** Replays one failed upload: a new job message, and its DLQ entry removed. */
export const POST = withAdmin<{ id: string }>(async ({ params, user }) => {
  const result = await recordAdminAction(user, "upload.replay", params.id, () => replayFailedUploads([params.id], user));
  return Response.json(result);
});
