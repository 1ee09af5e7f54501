import "@/lib/db/node";
import { decodeNumericPageCursor, encodePageCursor } from "@/lib/admin/page-cursor";
import { recordAdminAction } from "@/lib/admin/record-admin-action";
import { runSweepNow } from "@/lib/admin/run-sweep-now";
import { withAdmin } from "@/lib/api/with-session";
import { listSweepRuns } from "@/lib/db/queries/admin-sweeps";

export const runtime = "nodejs";

export const GET = withAdmin(async ({ req }) => {
  const cursor = decodeNumericPageCursor(new URL(req.url).searchParams.get("cursor"));
  const page = await listSweepRuns({ cursor, limit: 50 });
  return Response.json({ runs: page.rows, nextCursor: page.nextCursor ? encodePageCursor(page.nextCursor) : null });
});

/** Runs a sweep now (trigger `manual`), under the same lock as the scheduled one. */
export const POST = withAdmin(async ({ user }) => {
  const result = await recordAdminAction(user, "sweep.run", null, () => runSweepNow());
  return Response.json(result);
});
