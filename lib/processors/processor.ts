import type { JobPayload } from "@/lib/jobs/job-payload";

export type ProcessorName = "checksum" | "sniff" | "probe";

export type ChecksumResult = {
  sha256: string;
  /** Only for single-part uploads, whose ETag is the MD5 of the bytes. */
  md5?: string;
  /** Absent when the ETag cannot be compared (multipart ETags are an MD5 of part MD5s). */
  etagMatches?: boolean;
  /** Why the ETag was not compared, e.g. `multipart (4 parts)`. */
  etagNotCompared?: string;
  bytes: number;
  /** Set when this checksum continued from a saved hash state: the byte it resumed at. */
  resumedFrom?: number;
};

export type SniffResult = { mime: string };

export type ProbeResult = {
  container: string | null;
  duration: number | null;
  videoCodec: string | null;
  width: number | null;
  height: number | null;
  frameRate: number | null;
  audioCodec: string | null;
  sampleRate: number | null;
  channels: number | null;
  bitrate: number | null;
};

/** The shape of `uploads.result`, read by the results view. */
export type UploadResult = { checksum?: ChecksumResult; sniff?: SniffResult; probe?: ProbeResult };

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

/** One processor: reads the object (never whole into memory) and returns a JSON-able result. */
export type Processor<R> = {
  name: ProcessorName;
  run: (ctx: ProcessorContext) => Promise<R>;
};
