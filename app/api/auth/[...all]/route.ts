import { getAuth } from "@/lib/auth/auth";
import { guardAuthRequest } from "@/lib/rate-limit/guard-auth-request";

export const runtime = "nodejs";

export const GET = (req: Request) => getAuth().handler(req);
export const POST = async (req: Request) => (await guardAuthRequest(req)) ?? getAuth().handler(req);
