import type { JobPayload } from "@/lib/jobs/job-payload";
import { withUploadSpan } from "@/lib/trace/upload-trace";
import { PROCESSOR_NAMES, PROCESSORS } from "./catalog";
import type { Processor, ProcessorName, UploadResult } from "./processor";
import { RUNNERS } from "./runners";

export type { ProcessorName, UploadResult } from "./processor";

/**
 * The processors an upload runs, in catalog order: asked for in its options, allowed on
 * its plan, and meaningful for its type (no poster for a PDF).
 */
export function selectProcessors(upload: Pick<JobPayload, "options" | "plan" | "type">): ProcessorName[] {
  return PROCESSOR_NAMES.filter((name) => upload.options[name] && PROCESSORS[name].plans.includes(upload.plan) && PROCESSORS[name].appliesTo(upload.type));
}

export type ProcessorRun = {
  result: UploadResult;
  bytesRead: Partial<Record<ProcessorName, number>>;
  durationsMs: Partial<Record<ProcessorName, number>>;
};

/**
 * Runs the selected processors. Sniff goes first: it is one small read and a wrong type
 * fails the job before a full read starts. Checksum and probe then run side by side;
 * the first to fail cancels the other's storage reads.
 */
export async function runProcessors(input: { payload: JobPayload; attempt: number; signal: AbortSignal; deadline?: number }): Promise<ProcessorRun> {
  const run: ProcessorRun = { result: {}, bytesRead: {}, durationsMs: {} };
  const names = selectProcessors(input.payload);
  const local = new AbortController();
  const signal = AbortSignal.any([input.signal, local.signal]);

  const runOne = async (name: ProcessorName) => {
    const started = performance.now();
    const value = await withUploadSpan(`processor.${name}`, input.payload.uploadId, () =>
      (RUNNERS[name] as Processor<unknown>).run({
        payload: input.payload,
        attempt: input.attempt,
        signal,
        deadline: input.deadline,
        countBytes: (n) => {
          run.bytesRead[name] = (run.bytesRead[name] ?? 0) + n;
        },
      }),
    );
    run.durationsMs[name] = Math.round(performance.now() - started);
    (run.result as Record<string, unknown>)[name] = value;
  };

  if (names.includes("sniff")) await runOne("sniff");
  const rest = names.filter((n) => n !== "sniff");
  try {
    await Promise.all(
      rest.map((name) =>
        runOne(name).catch((error) => {
          local.abort(error);
          throw error;
        }),
      ),
    );
  } finally {
    local.abort();
  }
  return run;
}
