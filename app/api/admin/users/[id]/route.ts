import "@/lib/db/node";
import { z } from "zod";
import { changeUserPlan } from "@/lib/admin/change-user-plan";
import { recordAdminAction } from "@/lib/admin/record-admin-action";
import { parseJsonBody } from "@/lib/api/parse-body";
import { withAdmin } from "@/lib/api/with-session";
import { PLANS } from "@/lib/db/schema";

export const runtime = "nodejs";

const BODY = z.object({ plan: z.enum(PLANS) }).strict();

/** Changes a user's plan. */
export const PATCH = withAdmin<{ id: string }>(async ({ req, params, user }) => {
  const { plan } = await parseJsonBody(req, BODY);
  const result = await recordAdminAction(user, "user.change_plan", params.id, () => changeUserPlan(params.id, plan));
  return Response.json(result);
});
