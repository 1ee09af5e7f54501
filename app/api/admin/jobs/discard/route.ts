import "@/lib/db/node";
import { z } from "zod";
import { discardFailedJobs } from "@/lib/admin/discard-failed-jobs";
import { recordAdminAction } from "@/lib/admin/record-admin-action";
import { parseJsonBody } from "@/lib/api/parse-body";
import { withAdmin } from "@/lib/api/with-session";

export const runtime = "nodejs";

const BODY = z
  .object({
    uploadIds: z
      .array(z.string().regex(/^upl_[0-9a-f-]{36}$/))
      .max(100)
      .default([]),
    dlqIds: z.array(z.string().min(1).max(200)).max(100).default([]),
  })
  .strict()
  .refine((b) => b.uploadIds.length + b.dlqIds.length > 0, { message: "name at least one upload or DLQ entry", path: ["uploadIds"] });

/** Discards dead-lettered jobs: their DLQ entries are deleted, the uploads stay failed. */
export const POST = withAdmin(async ({ req, user }) => {
  const body = await parseJsonBody(req, BODY);
  const target = [...body.uploadIds, ...body.dlqIds].join(",");
  const result = await recordAdminAction(user, "jobs.discard", target, () => discardFailedJobs(body, user));
  return Response.json(result);
});
