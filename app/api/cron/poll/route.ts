import { z } from "zod";
import { withQstash } from "@/lib/api/with-qstash";
import { runPoll } from "@/lib/sweep/run-poll";

export const runtime = "nodejs";
export const maxDuration = 60;

/** The `biblio-poll` QStash schedule (created only when `poll` is in BIBLIO_TRIGGERS). */
export const POST = withQstash(z.object({}).passthrough(), async () => {
  return Response.json(await runPoll());
});
