import { ApiError } from "@/lib/api/errors";
import { runSweep } from "@/lib/sweep/run-sweep";

export const SWEEP_AVAILABLE: boolean = true;

/** Runs one sweep on an admin's click, under the same lease as the scheduled one. */
export async function runSweepNow(): Promise<Record<string, unknown>> {
  const result = await runSweep({ trigger: "manual" });
  if (result.status === "locked") throw new ApiError("conflict", "A sweep is running right now; wait for it to finish.");
  return { status: result.status, runId: result.runId, durationMs: result.durationMs, counts: result.counts, error: result.error };
}
