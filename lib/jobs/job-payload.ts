import { z } from "zod";
import { PLANS, UPLOAD_SOURCES } from "@/lib/db/schema";
import { ANALYSIS_OPTIONS } from "@/lib/processors/catalog";

export type { AnalysisOptions } from "@/lib/processors/catalog";
export { ANALYSIS_OPTIONS };

/**
 * Everything a worker needs to start, so it needs no DB lookup first. Versioned, so a
 * worker can refuse a payload shape it does not know instead of guessing.
 */
export const JOB_PAYLOAD = z
  .object({
    v: z.literal(1),
    uploadId: z.string().min(1),
    bucket: z.string().min(1),
    key: z.string().min(1),
    size: z.number().int().nonnegative(),
    type: z.string().min(1),
    etag: z.string(),
    userId: z.string().min(1),
    projectId: z.string().min(1),
    plan: z.enum(PLANS),
    options: ANALYSIS_OPTIONS,
    confirmedBy: z.enum(UPLOAD_SOURCES),
    replay: z.number().int().nonnegative().default(0),
  })
  .strict();

export type JobPayload = z.infer<typeof JOB_PAYLOAD>;
