import type { AnalysisOptions, JobPayload } from "@/lib/jobs/job-payload";
import { withUploadSpan } from "@/lib/trace/upload-trace";
import { CHECKSUM_PROCESSOR } from "./checksum";
import { PROBE_PROCESSOR } from "./probe";
import type { Processor, ProcessorName, UploadResult } from "./processor";
import { SNIFF_PROCESSOR } from "./sniff";

export type { ProcessorName, UploadResult } from "./processor";

const REGISTRY: Record<ProcessorName, Processor<unknown>> = {
  sniff: SNIFF_PROCESSOR,
  checksum: CHECKSUM_PROCESSOR,
  probe: PROBE_PROCESSOR,
};

/** The processors an upload's analysis options ask for, in the order they start. */
export function selectProcessors(options: AnalysisOptions): ProcessorName[] {
  return (["sniff", "checksum", "probe"] as const).filter((name) => options[name]);
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
  const names = selectProcessors(input.payload.options);
  const local = new AbortController();
  const signal = AbortSignal.any([input.signal, local.signal]);

  const runOne = async (name: ProcessorName) => {
    const started = performance.now();
    const value = await withUploadSpan(`processor.${name}`, input.payload.uploadId, () =>
      REGISTRY[name].run({
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
