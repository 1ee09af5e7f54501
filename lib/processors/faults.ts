import { PermanentJobError, TemporaryJobError } from "@/lib/jobs/job-errors";
import type { ProcessorName } from "./processor";

/**
 * Test-only fault injection, read from `BIBLIO_FAULTS` and honoured only when
 * NODE_ENV is "test" (vitest sets it; `next dev`/`next start` never do), so it
 * cannot be switched on in production by accident. Comma-separated entries:
 *   `probe:2`          the probe throws a temporary error on attempts 0 and 1
 *                      (`Upstash-Retried` < 2) and succeeds from the third on;
 *   `checksum:delay=300` the checksum waits 300 ms first (a slow worker);
 *   `probe:permanent`  the probe fails permanently (a processor bug, later fixed and replayed).
 */
type Fault = { processor: ProcessorName; failAttempts: number; delayMs: number; permanent: boolean };

let warned = false;

export function activeFaults(env: Record<string, string | undefined> = process.env): Fault[] {
  const spec = env.BIBLIO_FAULTS?.trim();
  if (!spec) return [];
  if (env.NODE_ENV !== "test") {
    if (!warned) console.warn("[processors] BIBLIO_FAULTS is ignored outside NODE_ENV=test");
    warned = true;
    return [];
  }
  return spec.split(",").flatMap((entry): Fault[] => {
    const match = /^(checksum|sniff|probe):(?:(\d+)|delay=(\d+)|(permanent))$/.exec(entry.trim());
    if (!match) return [];
    return [{ processor: match[1] as ProcessorName, failAttempts: Number(match[2] ?? 0), delayMs: Number(match[3] ?? 0), permanent: !!match[4] }];
  });
}

export async function injectFaults(processor: ProcessorName, attempt: number): Promise<void> {
  for (const fault of activeFaults()) {
    if (fault.processor !== processor) continue;
    if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault.permanent) throw new PermanentJobError(`Injected fault: ${processor} fails permanently (BIBLIO_FAULTS).`, "injected");
    if (attempt < fault.failAttempts) {
      throw new TemporaryJobError(`Injected fault: ${processor} fails attempt ${attempt} (BIBLIO_FAULTS).`);
    }
  }
}
