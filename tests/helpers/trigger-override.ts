import type { UploadSource } from "@/lib/db/schema";
import { getEnv } from "@/lib/env";

let configured: UploadSource[] | undefined;

/**
 * Test and benchmark setup: which trigger sources confirm uploads in this process. It sets
 * the parsed `BIBLIO_TRIGGERS` of this process's environment, so the app ships no switch
 * of its own; `undefined` restores the configured set.
 */
export function overrideTriggers(sources: readonly UploadSource[] | undefined): void {
  const env = getEnv() as { BIBLIO_TRIGGERS: UploadSource[] };
  configured ??= [...env.BIBLIO_TRIGGERS];
  env.BIBLIO_TRIGGERS = sources ? [...sources] : [...configured];
}
