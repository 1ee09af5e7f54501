import { z } from "zod";
import { ApiError } from "@/lib/api/errors";
import { parseParams } from "@/lib/api/parse-body";
import { withSession } from "@/lib/api/with-session";
import { clientIp } from "@/lib/rate-limit/client-ip";
import { consumeRateLimit, inlineRateLimit } from "@/lib/rate-limit/consume-rate-limit";
import { CHANGE_CURSOR, listUploadChanges } from "@/lib/uploads/list-changes";

export const runtime = "edge";

type Params = { projectId: string };

const QUERY = z.object({ since: CHANGE_CURSOR });
const PROJECT_ID = /^prj_[0-9a-f-]{36}$/;

/**
 * Polled every 2 s by open Files tables and upload pages: 204 when nothing changed. It
 * counts its `uploads.read` limit inside its one statement (not withSession's separate
 * upsert), so a quiet poll costs one statement.
 */
export const GET = withSession<Params>(async ({ req, params, user }) => {
  const subject = { user: user.id, ip: clientIp(req.headers) };
  const since = await (async () => {
    try {
      const query = parseParams(QUERY, Object.fromEntries(new URL(req.url).searchParams));
      // Malformed ids answer like unknown ones, so ids cannot be probed by shape.
      if (!PROJECT_ID.test(params.projectId)) throw new ApiError("not_found", "Project not found.");
      return query.since;
    } catch (error) {
      // Bad requests count too (a 429 first, as on every route), in a statement of their own.
      await consumeRateLimit("uploads.read", subject);
      throw error;
    }
  })();
  const rateLimit = inlineRateLimit("uploads.read", subject);
  const changes = await listUploadChanges({ userId: user.id, isAdmin: user.role === "admin", projectId: params.projectId, since, rateLimit });
  if (!changes) return new Response(null, { status: 204, headers: { "cache-control": "no-store" } });
  return Response.json(changes, { headers: { "cache-control": "no-store" } });
});
