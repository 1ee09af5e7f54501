import { nonRetryableResponse } from "@/lib/api/with-qstash";
import type { JobOutcome } from "./process-job";

/**
 * What QStash is told: 2xx ends the message (done, or nothing left to do), 5xx retries it
 * with backoff, 489 + NonRetryable dead-letters it now.
 */
export function jobOutcomeResponse(outcome: JobOutcome): Response {
  switch (outcome.kind) {
    case "processed":
      return Response.json({ status: "processed", uploadId: outcome.uploadId });
    case "continued":
      return Response.json({ status: "continued", uploadId: outcome.uploadId, nextMessageId: outcome.nextMessageId, offset: outcome.offset });
    case "skipped":
      return Response.json({ status: "skipped", uploadId: outcome.uploadId, reason: outcome.reason });
    case "permanent":
      return nonRetryableResponse(outcome.error, outcome.code);
    case "temporary":
      // The detail is in the jobs table; the response (stored in the DLQ) stays generic.
      return Response.json({ error: { code: "unavailable", message: "Processing hit a temporary error and will be retried." } }, { status: 503 });
  }
}
