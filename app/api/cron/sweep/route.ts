import { z } from "zod";
import { withQstash } from "@/lib/api/with-qstash";
import { runSweep } from "@/lib/sweep/run-sweep";

export const runtime = "nodejs";
// Each run stops itself before this (runSweep's own 50 s budget) and records what it did.
export const maxDuration = 60;

/** The `biblio-sweep` QStash schedule. A run that finds another holding the lease is a no-op. */
export const POST = withQstash(z.object({}).passthrough(), async () => {
  const result = await runSweep({ trigger: "schedule" });
  return Response.json(result);
});
