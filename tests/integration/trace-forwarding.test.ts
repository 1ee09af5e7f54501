import { afterAll, beforeAll, expect, it } from "vitest";
import { z } from "zod";
import { withQstash } from "@/lib/api/with-qstash";
import type { JobPayload } from "@/lib/jobs/job-payload";
import { ensureQueues } from "@/lib/queue/ensure-queues";
import { PROCESS_JOB_PATH, publishJob } from "@/lib/queue/publish-job";
import { uploadTraceId } from "@/lib/trace/upload-trace";
import { startWorkerHarness, type WorkerHarness, waitFor } from "../helpers/worker-harness";

// The real publish, the real local QStash and the real withQstash wrapper: the trace
// context must survive the hop, since QStash forwards only `Upstash-Forward-*` headers.
const received: { uploadId: string; traceparent: string | null }[] = [];
const echo = withQstash(z.object({ uploadId: z.string() }).passthrough(), async ({ body, traceparent }) => {
  received.push({ uploadId: body.uploadId, traceparent });
  return Response.json({ ok: true });
});

let harness: WorkerHarness;
beforeAll(async () => {
  harness = await startWorkerHarness({ [PROCESS_JOB_PATH]: echo, "/api/jobs/failed": echo });
  await ensureQueues();
});
afterAll(async () => harness?.stop());

it("a published job reaches the worker with the upload's traceparent", async () => {
  const uploadId = `upl_${crypto.randomUUID()}`;
  const payload = { v: 1, uploadId, userId: "usr_trace", projectId: "prj_trace", plan: "free", replay: 0 } as unknown as JobPayload;
  await publishJob(payload);
  const delivery = await waitFor("the delivery", async () => received.find((r) => r.uploadId === uploadId));
  expect(delivery.traceparent).toMatch(new RegExp(`^00-${uploadTraceId(uploadId)}-[0-9a-f]{16}-01$`));
});
