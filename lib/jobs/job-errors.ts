import { isNotFound } from "@/lib/storage/objects";

/**
 * A failure no retry can fix: corrupt or unsupported media, an object that is gone,
 * a payload this worker cannot read. The route answers 489 with
 * `Upstash-NonRetryable-Error: true`, so QStash dead-letters it at once.
 */
export class PermanentJobError extends Error {
  constructor(
    message: string,
    readonly code = "permanent",
  ) {
    super(message);
    this.name = "PermanentJobError";
  }
}

/** A failure worth retrying (storage or database unavailable, a timeout): the route answers 5xx. */
export class TemporaryJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TemporaryJobError";
  }
}

/**
 * Not a failure: a processor used up this delivery's time budget and saved its progress
 * (the checksum's hash state). The worker hands the job to a new message, which resumes
 * where this one stopped, so a job longer than one invocation still finishes.
 */
export class JobContinuation extends Error {
  constructor(
    readonly processor: string,
    readonly offset: number,
    readonly size: number,
  ) {
    super(`${processor} paused at byte ${offset} of ${size}; continuing in a new delivery`);
    this.name = "JobContinuation";
  }
}

/**
 * Sorts any thrown value into the two kinds. Only what is known to be permanent is
 * permanent: an unknown error is retried, because acknowledging lost work is worse
 * than one more attempt.
 */
export function classifyJobError(error: unknown): PermanentJobError | TemporaryJobError {
  if (error instanceof PermanentJobError || error instanceof TemporaryJobError) return error;
  if (isNotFound(error)) return new PermanentJobError("The stored file no longer exists.", "object_gone");
  const message = error instanceof Error ? error.message : String(error);
  return new TemporaryJobError(message.slice(0, 300), { cause: error });
}
