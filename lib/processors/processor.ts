import type { JobPayload } from "@/lib/jobs/job-payload";
import type { ProcessorName } from "./catalog";

export type { ChecksumResult, ProbeResult, ProcessorName, SniffResult, StoryboardResult, ThumbnailResult, UploadResult } from "./catalog";

export type ProcessorContext = {
  payload: JobPayload;
  /** 0 on the first delivery of this message (`Upstash-Retried`). */
  attempt: number;
  signal: AbortSignal;
  /** Every processor reports what it read from storage, so the benchmark can check ranged reads. */
  countBytes: (bytes: number) => void;
  /**
   * When this delivery's time budget ends (epoch ms; WORKER_INVOCATION_BUDGET_MS). A long
   * processor saves its progress and throws JobContinuation past it; absent, no budget.
   */
  deadline?: number;
};

/** One processor's server side: reads the object (never whole into memory) and returns a JSON-able result. */
export type Processor<R> = {
  name: ProcessorName;
  run: (ctx: ProcessorContext) => Promise<R>;
};
