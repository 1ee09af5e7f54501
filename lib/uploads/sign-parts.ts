import { z } from "zod";
import { ApiError } from "@/lib/api/errors";
import { PART_URL_TTL_SECONDS, presignParts } from "@/lib/storage/objects";
import { getOwnedUpload } from "./owned-upload";
import { MAX_PARTS, partCountFor, partSizeFor } from "./part-size";

export const MAX_PARTS_PER_REQUEST = 100;

export const SIGN_PARTS_INPUT = z
  .object({
    partNumbers: z
      .array(z.number().int().min(1).max(MAX_PARTS))
      .min(1)
      .max(MAX_PARTS_PER_REQUEST, `at most ${MAX_PARTS_PER_REQUEST} parts per request`),
  })
  .strict();

/** Short-lived part URLs, signed just in time; signing the same part again is fine. */
export async function signParts(uploadId: string, userId: string, input: z.infer<typeof SIGN_PARTS_INPUT>) {
  const upload = await getOwnedUpload(uploadId, userId);
  if (!upload.s3UploadId) throw new ApiError("conflict", "This upload is a single PUT, not multipart.");
  if (upload.status !== "pending") throw new ApiError("conflict", `This upload is already ${upload.status}.`);
  const partCount = partCountFor(upload.declaredSize, partSizeFor(upload.declaredSize));
  const beyond = input.partNumbers.filter((n) => n > partCount);
  if (beyond.length) throw new ApiError("unprocessable_entity", `partNumbers: this upload has ${partCount} parts; ${beyond[0]} is out of range.`);
  const unique = [...new Set(input.partNumbers)].sort((a, b) => a - b);
  const parts = await presignParts(upload.storageKey, upload.s3UploadId, unique);
  return { parts, expiresAt: new Date(Date.now() + PART_URL_TTL_SECONDS * 1000).toISOString() };
}
