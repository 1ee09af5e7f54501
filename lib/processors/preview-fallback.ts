import { recordUploadEvent } from "@/lib/db/queries/uploads";
import type { DerivedKind } from "@/lib/db/schema";
import { deleteDerived } from "@/lib/derived/derived-files";
import { PermanentJobError } from "@/lib/jobs/job-errors";
import { log } from "@/lib/log";
import type { PreviewUnavailable, ProcessorName } from "./catalog";
import type { ProcessorContext } from "./processor";

/**
 * The failures no retry can fix and that say nothing against the file itself: the
 * picture cannot be decoded (a codec the shipped ffmpeg lacks, a corrupt stream), there
 * is none, or it is too large to decode. Anything else (storage timeouts and 5xx, an
 * object that changed, the time budget) still throws, so the job is retried or failed
 * as before.
 */
export const PREVIEW_UNAVAILABLE_CODES = new Set(["undecodable", "no_video_stream", "no_duration", "too_large"]);

/**
 * Runs a preview processor; when it fails for one of those reasons, records
 * `{ available: false, reason }` instead of failing the upload, whose bytes and checksum
 * are fine. Any derived file of its kinds (from an earlier attempt) is removed, so no
 * preview contradicts the result; the reason goes to the log and the upload's timeline.
 */
export async function withPreviewFallback<R>(
  ctx: ProcessorContext,
  processor: ProcessorName,
  kinds: readonly DerivedKind[],
  make: () => Promise<R>,
): Promise<R | PreviewUnavailable> {
  try {
    return await make();
  } catch (error) {
    if (!(error instanceof PermanentJobError) || !PREVIEW_UNAVAILABLE_CODES.has(error.code)) throw error;
    const { uploadId } = ctx.payload;
    const reason = error.message;
    log.child({ uploadId }).warn("no preview: recorded as unavailable, the upload goes on", { processor, code: error.code, reason, detail: error.cause });
    await deleteDerived(uploadId, kinds);
    await recordUploadEvent(uploadId, { type: "preview_unavailable", source: "worker", detail: { processor, code: error.code, reason } });
    return { available: false, reason };
  }
}

/** A preview failure with a plain sentence for the user; the tool's own words stay in `cause`, for the log. */
export function previewError(reason: string, code: string, cause?: unknown): PermanentJobError {
  const error = new PermanentJobError(reason, code);
  if (cause !== undefined) error.cause = cause instanceof Error ? cause.message : cause;
  return error;
}
