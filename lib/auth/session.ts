import type { PlanId } from "@/lib/plans/plans";
import { getAuth } from "./auth";

export type SessionUser = {
  id: string;
  email: string;
  name: string;
  role: "user" | "admin";
  plan: PlanId;
};

/** The signed-in user for a request's cookies, or null. */
export async function getSessionUser(headers: Headers): Promise<SessionUser | null> {
  const session = await getAuth().api.getSession({ headers });
  if (!session) return null;
  const u = session.user as typeof session.user & { role?: string | null; plan?: string | null };
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role === "admin" ? "admin" : "user",
    plan: u.plan === "pro" ? "pro" : "free",
  };
}
