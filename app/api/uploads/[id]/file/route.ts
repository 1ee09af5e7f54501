import { z } from "zod";
import { parseParams } from "@/lib/api/parse-body";
import { withSession } from "@/lib/api/with-session";
import { getFileUrl } from "@/lib/uploads/download-url";

export const runtime = "edge";

type Params = { id: string };

// Not strict: Next adds the route's own params (`id`) to the request URL's query.
const QUERY = z.object({
  disposition: z.enum(["inline", "attachment"]).default("inline"),
  /** `1`: answer 302 to the signed URL, so a plain link downloads; otherwise JSON. */
  redirect: z.enum(["0", "1"]).default("0"),
});

/** A short-lived signed GET for the upload's file, for its owner and its project's members. */
export const GET = withSession<Params>(
  async ({ req, params, user }) => {
    const query = parseParams(QUERY, Object.fromEntries(new URL(req.url).searchParams));
    const file = await getFileUrl({ uploadId: params.id, userId: user.id, disposition: query.disposition });
    // The URL is a bearer credential for an hour: no shared cache may keep it.
    const headers = { "cache-control": "private, no-store", "referrer-policy": "no-referrer" };
    if (query.redirect === "1") return new Response(null, { status: 302, headers: { ...headers, location: file.url } });
    return Response.json(file, { headers });
  },
  { rateLimit: "uploads.read" },
);
