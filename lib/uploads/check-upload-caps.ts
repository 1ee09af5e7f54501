import { ApiError } from "@/lib/api/errors";
import { formatBytes, type Plan } from "@/lib/plans/plans";

/**
 * The per-plan caps on what a user may hold open at once: pending uploads, and the bytes
 * their multipart sessions may still store. Checked before anything is created; two
 * creates racing past the last slot can overshoot by one each, which the rate limit bounds.
 */
export function checkUploadCaps(open: { openUploads: number; openMultipartBytes: number }, plan: Plan, size: number, multipart: boolean): void {
  if (open.openUploads >= plan.maxOpenUploads) {
    throw new ApiError(
      "quota_exceeded",
      `You have ${open.openUploads} unfinished uploads; your ${plan.label} plan allows ${plan.maxOpenUploads} at once. Finish or cancel some first.`,
      { limit: "maxOpenUploads", max: plan.maxOpenUploads, current: open.openUploads },
    );
  }
  if (multipart && open.openMultipartBytes + size > plan.maxOpenMultipartBytes) {
    throw new ApiError(
      "quota_exceeded",
      `Unfinished large uploads would total ${formatBytes(open.openMultipartBytes + size)}; your ${plan.label} plan allows ${formatBytes(plan.maxOpenMultipartBytes)} at once. Finish or cancel some first.`,
      { limit: "maxOpenMultipartBytes", max: plan.maxOpenMultipartBytes, current: open.openMultipartBytes, requested: size },
    );
  }
}
