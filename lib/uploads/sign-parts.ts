import { z } from "zod";
import { ApiError } from "@/lib/api/errors";
import { scheduleCheckIfLastPart } from "@/lib/queue/schedule-upload-check";
import { presignParts } from "@/lib/storage/objects";
import { getOwnedUpload } from "./owned-upload";
import { MAX_PARTS, partCountFor, partLengthFor, partSizeFor } from "./part-size";
import { urlLifetimeSeconds } from "./url-lifetime";

export const MAX_PARTS_PER_REQUEST = 100;

export const SIGN_PARTS_INPUT = z
  .object({
    partNumbers: z.array(z.number().int().min(1).max(MAX_PARTS)).min(1).max(MAX_PARTS_PER_REQUEST, `at most ${MAX_PARTS_PER_REQUEST} parts per request`),
  })
  .strict();

/** Part URLs bound to each part's exact length, signed just in time; signing the same part again is fine. */
export async function signParts(uploadId: string, userId: string, input: z.infer<typeof SIGN_PARTS_INPUT>) {
  const upload = await getOwnedUpload(uploadId, userId);
  if (!upload.s3UploadId) throw new ApiError("conflict", "This upload is a single PUT, not multipart.");
  if (upload.status !== "pending") throw new ApiError("conflict", `This upload is already ${upload.status}.`);
  const partSize = partSizeFor(upload.declaredSize);
  const partCount = partCountFor(upload.declaredSize, partSize);
  const beyond = input.partNumbers.filter((n) => n > partCount);
  if (beyond.length) throw new ApiError("unprocessable_entity", `partNumbers: this upload has ${partCount} parts; ${beyond[0]} is out of range.`);
  const unique = [...new Set(input.partNumbers)].sort((a, b) => a - b);
  const toSign = unique.map((partNumber) => ({ partNumber, size: partLengthFor(upload.declaredSize, partNumber, partSize) }));
  // The batch's URLs are used one after another, so they live as long as the whole batch takes.
  const ttl = urlLifetimeSeconds(toSign.reduce((sum, p) => sum + p.size, 0));
  const parts = await presignParts(upload.storageKey, upload.s3UploadId, toSign, ttl);
  // The last part's URL is out: check for a finished upload even if the client vanishes.
  await scheduleCheckIfLastPart(upload, unique);
  return { parts, expiresAt: new Date(Date.now() + ttl * 1000).toISOString() };
}
