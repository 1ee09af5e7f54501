import { ApiError } from "@/lib/api/errors";
import { insertAdminAudit } from "@/lib/db/queries/admin-audit";
import type { JsonObject } from "@/lib/db/schema";
import { log } from "@/lib/log";

export type AdminActor = { id: string; email: string };

/**
 * Runs an admin action and writes its audit row: what was done and the outcome on
 * success, and the refusal or failure otherwise (an attempt is worth recording too).
 * The error is re-thrown for the route wrapper to answer.
 */
export async function recordAdminAction<T extends JsonObject>(actor: AdminActor, action: string, target: string | null, run: () => Promise<T>): Promise<T> {
  try {
    const outcome = await run();
    await insertAdminAudit({ actorId: actor.id, action, target, detail: { actorEmail: actor.email, outcome: "ok", ...outcome } });
    return outcome;
  } catch (error) {
    const message = error instanceof ApiError ? error.message : "unexpected error";
    await insertAdminAudit({
      actorId: actor.id,
      action,
      target,
      detail: { actorEmail: actor.email, outcome: error instanceof ApiError ? "refused" : "failed", message },
    }).catch((auditError) => log.error("could not write the audit row", { action, target, error: auditError }));
    throw error;
  }
}
