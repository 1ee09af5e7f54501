import type { UploadSource } from "@/lib/db/schema";
import { getEnv } from "@/lib/env";

/**
 * Whether a trigger source may confirm uploads (`BIBLIO_TRIGGERS`). Turning sources off
 * lets each pattern of DESIGN §1 run alone on the same workload; the default keeps the
 * client fast path with the storage event and the sweep as safety nets.
 */
export function isTriggerEnabled(source: UploadSource): boolean {
  return getEnv().BIBLIO_TRIGGERS.includes(source);
}
