import type { UploadSource } from "@/lib/db/schema";
import { getEnv } from "@/lib/env";

let override: readonly UploadSource[] | undefined;

/**
 * Whether a trigger source may confirm uploads (`BIBLIO_TRIGGERS`). Turning sources off
 * lets each pattern of DESIGN §1 run alone on the same workload; the default keeps the
 * client fast path with the storage event and the sweep as safety nets.
 */
export function isTriggerEnabled(source: UploadSource): boolean {
  return (override ?? getEnv().BIBLIO_TRIGGERS).includes(source);
}

/** Replaces the configured set in this process (tests and the trigger benchmark); undefined restores it. */
export function overrideTriggers(sources: readonly UploadSource[] | undefined): void {
  override = sources;
}
