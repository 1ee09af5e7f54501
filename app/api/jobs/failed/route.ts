import "@/lib/db/node";
import { withQstash } from "@/lib/api/with-qstash";
import { FAILURE_CALLBACK, handleFailureCallback } from "@/lib/jobs/handle-failure-callback";

export const runtime = "nodejs";

/** QStash calls this once a job message is dead-lettered (retries exhausted or non-retryable). */
export const POST = withQstash(FAILURE_CALLBACK, async ({ body }) => {
  return Response.json(await handleFailureCallback(body));
});
