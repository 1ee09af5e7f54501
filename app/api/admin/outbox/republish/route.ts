import "@/lib/db/node";
import { recordAdminAction } from "@/lib/admin/record-admin-action";
import { republishOutbox } from "@/lib/admin/republish-outbox";
import { withAdmin } from "@/lib/api/with-session";

export const runtime = "nodejs";

/** Republishes confirmed uploads whose job publish keeps failing, now rather than at the next sweep. */
export const POST = withAdmin(async ({ user }) => {
  const result = await recordAdminAction(user, "outbox.republish", null, () => republishOutbox());
  return Response.json(result);
});
