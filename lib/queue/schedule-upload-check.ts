import { z } from "zod";
import { getEnv } from "@/lib/env";
import { log } from "@/lib/log";
import { partCountFor, partSizeFor } from "@/lib/uploads/part-size";
import { getQstash } from "./qstash-client";

export const CHECK_UPLOAD_PATH = "/api/uploads/check";

export const UPLOAD_CHECK_INPUT = z.object({ uploadId: z.string().min(1).max(100), attempt: z.number().int().min(0).max(20) }).strict();
export type UploadCheckInput = z.infer<typeof UPLOAD_CHECK_INPUT>;

/** Throughput assumed for the parts a browser still has to send when it signs the last ones (conservative: 1 MiB/s). */
export const CHECK_ASSUMED_BYTES_PER_SECOND = 1024 ** 2;
/** Slack on top of the transfer time (retries, a slow part). */
export const CHECK_MARGIN_SECONDS = 15;
export const CHECK_MAX_DELAY_SECONDS = 15 * 60;
/** A check that finds parts still arriving looks again after 30 s, 60 s, … this many times; then the sweep has it. */
export const CHECK_MAX_ATTEMPTS = 6;
/** Signing must not wait on a slow QStash: the sweep is the backstop if this publish is lost. */
const PUBLISH_TIMEOUT_MS = 3_000;

/** When to look first: the expected transfer time of the bytes still to come, plus a margin. */
export function firstCheckDelaySeconds(bytesToCome: number): number {
  return Math.min(CHECK_MAX_DELAY_SECONDS, Math.ceil(bytesToCome / CHECK_ASSUMED_BYTES_PER_SECOND) + CHECK_MARGIN_SECONDS);
}

export function retryCheckDelaySeconds(attempt: number): number {
  return Math.min(CHECK_MAX_DELAY_SECONDS, 30 * 2 ** Math.max(0, attempt - 1));
}

/**
 * A delayed QStash message to POST /api/uploads/check: at about the time the last byte
 * should have landed, the server looks at the stored parts and, if every byte is there,
 * completes and confirms the upload itself. Best effort: never throws.
 */
export async function scheduleUploadCheck(input: UploadCheckInput & { delaySeconds: number }): Promise<string | null> {
  const { delaySeconds, ...body } = input;
  try {
    const publish = getQstash().publishJSON({
      url: `${getEnv().APP_URL}${CHECK_UPLOAD_PATH}`,
      body,
      delay: delaySeconds,
      retries: 3,
      label: "upload-check",
    });
    const res = await Promise.race([
      publish,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`QStash did not answer within ${PUBLISH_TIMEOUT_MS} ms`)), PUBLISH_TIMEOUT_MS)),
    ]);
    return res.messageId;
  } catch (error) {
    log.warn("could not schedule the upload check; the sweep will look instead", { uploadId: body.uploadId, attempt: body.attempt, error });
    return null;
  }
}

/**
 * The hook in part signing: when this batch covers the last part, the client is about to
 * send its final bytes, so schedule the check at their expected transfer time.
 */
export async function scheduleCheckIfLastPart(upload: { id: string; declaredSize: number }, partNumbers: number[]): Promise<void> {
  const partSize = partSizeFor(upload.declaredSize);
  const count = partCountFor(upload.declaredSize, partSize);
  if (!partNumbers.includes(count)) return;
  const bytesToCome = partNumbers.reduce((sum, n) => sum + (n < count ? partSize : upload.declaredSize - partSize * (count - 1)), 0);
  await scheduleUploadCheck({ uploadId: upload.id, attempt: 0, delaySeconds: firstCheckDelaySeconds(bytesToCome) });
}
