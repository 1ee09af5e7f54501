import "@/lib/db/node";
import { getAdminUploadsPage } from "@/lib/admin/list-admin-uploads";
import { withAdmin } from "@/lib/api/with-session";

export const runtime = "nodejs";

/** The admin uploads table as JSON: the same filters and keyset cursor as /admin/uploads. */
export const GET = withAdmin(async ({ req }) => {
  const params = Object.fromEntries(new URL(req.url).searchParams);
  const page = await getAdminUploadsPage(params, { strict: true });
  return Response.json({ uploads: page.rows, nextCursor: page.nextCursor, unknownUser: page.unknownUser }, { headers: { "cache-control": "no-store" } });
});
