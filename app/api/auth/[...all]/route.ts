import { getAuth } from "@/lib/auth/auth";
import { limitAuthRequest } from "@/lib/rate-limit/limit-auth-request";

export const runtime = "nodejs";

export const GET = (req: Request) => getAuth().handler(req);
export const POST = async (req: Request) => (await limitAuthRequest(req)) ?? getAuth().handler(req);
