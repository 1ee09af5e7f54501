import "@/lib/db/node";
import { cleanupOrphans } from "@/lib/admin/cleanup-orphans";
import { recordAdminAction } from "@/lib/admin/record-admin-action";
import { withAdmin } from "@/lib/api/with-session";

export const runtime = "nodejs";

/** Aborts abandoned multipart uploads and deletes objects that have no intent, in one bounded batch. */
export const POST = withAdmin(async ({ user }) => {
  const result = await recordAdminAction(user, "orphans.cleanup", null, () => cleanupOrphans());
  return Response.json(result);
});
