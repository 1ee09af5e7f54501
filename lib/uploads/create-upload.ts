import { z } from "zod";
import { ApiError } from "@/lib/api/errors";
import { getUploaderContext } from "@/lib/db/queries/projects";
import { insertUploadWithinQuota } from "@/lib/db/queries/storage-usage";
import { getOpenUploadTotals } from "@/lib/db/queries/upload-caps";
import { ANALYSIS_OPTIONS } from "@/lib/jobs/job-payload";
import { formatBytes, getPlan, isTypeAllowed } from "@/lib/plans/plans";
import { DEFAULT_ANALYSIS_OPTIONS } from "@/lib/processors/catalog";
import { scheduleCheckIfLastPart } from "@/lib/queue/schedule-upload-check";
import { abortMultipart, createMultipart, presignParts, presignPut } from "@/lib/storage/objects";
import { getBucket } from "@/lib/storage/s3-client";
import { withUploadSpan } from "@/lib/trace/upload-trace";
import { checkUploadCaps } from "./check-upload-caps";
import { MULTIPART_THRESHOLD, PART_UPLOAD_CONCURRENCY, partCountFor, partLengthFor, partSizeFor } from "./part-size";
import { nameProblem, safeKeyName } from "./safe-name";
import { newUploadId, storageKeyFor } from "./upload-id";
import { toUploadView } from "./upload-view";
import { urlLifetimeSeconds } from "./url-lifetime";
import { checkStorageQuota, getUsedBytes, quotaExceeded } from "./usage-storage";

export const CREATE_UPLOAD_INPUT = z
  .object({
    name: z
      .string()
      .min(1)
      .max(1024)
      .refine((n) => !nameProblem(n), { error: (i) => nameProblem(String(i.input)) ?? "invalid" }),
    type: z
      .string()
      .regex(/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/i, "must be a MIME type such as video/mp4")
      .max(127),
    size: z.number().int("must be a whole number of bytes").positive("must be greater than 0").max(Number.MAX_SAFE_INTEGER),
    projectId: z.string().min(1).max(64),
    options: ANALYSIS_OPTIONS.default(DEFAULT_ANALYSIS_OPTIONS),
  })
  .strict();

export type CreateUploadInput = z.infer<typeof CREATE_UPLOAD_INPUT>;

/** Bytes must arrive by then; a 200 GiB file at 10 MB/s takes under 6 h. */
const SINGLE_DEADLINE_MS = 2 * 60 * 60 * 1000;
const MULTIPART_DEADLINE_MS = 24 * 60 * 60 * 1000;

/** The first span of the upload's trace: its trace id is the new upload id (lib/trace). */
export function createUpload(userId: string, input: CreateUploadInput) {
  const id = newUploadId();
  return withUploadSpan("upload.create", id, () => createUploadWithId(userId, input, id), { attributes: { "upload.size": input.size } });
}

async function createUploadWithId(userId: string, input: CreateUploadInput, id: string) {
  // The reads at once: the caps and the quota need the plan, which the context query brings.
  const [context, open, usedBytes] = await Promise.all([getUploaderContext(input.projectId, userId), getOpenUploadTotals(userId), getUsedBytes(userId)]);
  if (!context) throw new ApiError("not_found", "Project not found.");
  const { project } = context;
  const plan = getPlan(context.plan);
  if (input.size > plan.maxFileSize) {
    throw new ApiError(
      "payload_too_large",
      `This file is ${formatBytes(input.size)}; your ${plan.label} plan allows files up to ${formatBytes(plan.maxFileSize)}.`,
    );
  }
  const type = input.type.toLowerCase();
  if (!isTypeAllowed(plan, type)) {
    throw new ApiError("unsupported_media_type", `Files of type ${type} are not allowed. Upload video, audio, images or PDFs.`);
  }

  const safeName = safeKeyName(input.name);
  const key = storageKeyFor(id, safeName);
  const multipart = input.size > MULTIPART_THRESHOLD;
  checkUploadCaps(open, plan, input.size, multipart);
  checkStorageQuota(usedBytes, plan, input.size);
  const s3UploadId = multipart ? await createMultipart(key, type) : null;
  const now = Date.now();
  // A session whose intent row never got written would hold parts for an hour until the
  // sweep's grace for untracked sessions ends: abort it now (best effort) and fail the create.
  // The insert re-checks the quota atomically: a racing create may have taken the last bytes.
  const row = await (async () => {
    try {
      const inserted = await insertUploadWithinQuota(
        {
          id,
          ownerId: userId,
          projectId: project.id,
          plan: plan.id,
          bucket: getBucket(),
          storageKey: key,
          s3UploadId,
          name: input.name,
          safeName,
          declaredType: type,
          declaredSize: input.size,
          options: input.options,
          deadlineAt: new Date(now + (multipart ? MULTIPART_DEADLINE_MS : SINGLE_DEADLINE_MS)),
        },
        { type: "created", source: "client", detail: { size: input.size, type, multipart } },
        plan.storageQuota,
      );
      if (!inserted.row) throw quotaExceeded(inserted.usedBytes, plan, input.size);
      return inserted.row;
    } catch (error) {
      if (s3UploadId) await abortMultipart(key, s3UploadId).catch(() => undefined);
      throw error;
    }
  })();

  const upload = toUploadView(row);
  if (s3UploadId) {
    const partSize = partSizeFor(input.size);
    const partCount = partCountFor(input.size, partSize);
    // The first parts' URLs come with the session, so the browser starts sending at once
    // and signs the next 100 while these are in flight: one round trip less per upload.
    const first = Array.from({ length: Math.min(partCount, PART_UPLOAD_CONCURRENCY) }, (_, i) => {
      const partNumber = i + 1;
      return { partNumber, size: partLengthFor(input.size, partNumber, partSize) };
    });
    const ttl = urlLifetimeSeconds(first.reduce((sum, p) => sum + p.size, 0));
    // A small file's last part is among these: check for it even if the client vanishes.
    await scheduleCheckIfLastPart(
      row,
      Array.from({ length: Math.min(partCount, PART_UPLOAD_CONCURRENCY) }, (_, i) => i + 1),
    );
    return {
      upload,
      strategy: "multipart" as const,
      multipart: { uploadId: s3UploadId, key, partSize, partCount },
      signed: { parts: await presignParts(key, s3UploadId, first, ttl), expiresAt: new Date(now + ttl * 1000).toISOString() },
    };
  }
  const ttl = urlLifetimeSeconds(input.size);
  const put = await presignPut(key, type, input.size, ttl);
  return { upload, strategy: "single" as const, put: { ...put, expiresAt: new Date(now + ttl * 1000).toISOString() } };
}
