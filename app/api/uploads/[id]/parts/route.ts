import { parseJsonBody } from "@/lib/api/parse-body";
import { withSession } from "@/lib/api/with-session";
import { listUploadParts } from "@/lib/uploads/list-parts";
import { SIGN_PARTS_INPUT, signParts } from "@/lib/uploads/sign-parts";

export const runtime = "edge";

type Params = { id: string };

export const POST = withSession<Params>(
  async ({ req, params, user }) => {
    const input = await parseJsonBody(req, SIGN_PARTS_INPUT);
    return Response.json(await signParts(params.id, user.id, input), { headers: { "cache-control": "no-store" } });
  },
  { rateLimit: "uploads.sign" },
);

export const GET = withSession<Params>(
  async ({ params, user }) => {
    return Response.json(await listUploadParts(params.id, user.id), { headers: { "cache-control": "no-store" } });
  },
  { rateLimit: "uploads.read" },
);
