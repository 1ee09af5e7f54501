import { ApiError } from "@/lib/api/errors";
import { setUserPlan } from "@/lib/db/queries/admin-users";
import type { Plan } from "@/lib/db/schema";

/**
 * Moves a user to another plan. New uploads follow it at once (presign reads the plan
 * from the row); uploads already created keep the plan they were created under.
 */
export async function changeUserPlan(userId: string, plan: Plan) {
  const changed = await setUserPlan(userId, plan);
  if (!changed) throw new ApiError("not_found", "User not found.");
  return { userId, email: changed.email, from: changed.previous, to: plan };
}
