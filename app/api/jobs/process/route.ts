import "@/lib/db/node";
import { withQstash } from "@/lib/api/with-qstash";
import { JOB_PAYLOAD } from "@/lib/jobs/job-payload";
import { jobOutcomeResponse } from "@/lib/jobs/job-response";
import { processJob } from "@/lib/jobs/process-job";
import { warmProbe } from "@/lib/processors/probe";
import { withUploadSpan } from "@/lib/trace/upload-trace";

// Node: the checksum streams through node:crypto and the probe runs MediaInfo's WebAssembly.
export const runtime = "nodejs";
export const maxDuration = 300;

warmProbe();

export const POST = withQstash(JOB_PAYLOAD, async ({ body, messageId, retried, traceparent }) => {
  const attributes = { "messaging.message.id": messageId, "job.attempt": retried };
  const run = async () => jobOutcomeResponse(await processJob({ payload: body, messageId, retried }));
  return withUploadSpan("job.deliver", body.uploadId, run, { attributes, traceparent });
});
