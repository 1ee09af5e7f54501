import { ApiError } from "@/lib/api/errors";
import { getStoredBytes, getStoredBytesByOwner } from "@/lib/db/queries/storage-usage";
import { formatBytes, type Plan } from "@/lib/plans/plans";

export type StorageUsage = { usedBytes: number; limitBytes: number; uploadBytes: number; derivedBytes: number };

/** The bytes that count against the user's quota. */
export async function getUsedBytes(userId: string): Promise<number> {
  const { uploadBytes, derivedBytes } = await getStoredBytes(userId);
  return uploadBytes + derivedBytes;
}

/** What a user stores against their plan's quota (the storage_usage row; recountStoredBytes says what counts). */
export async function getStorageUsage(userId: string, plan: Plan): Promise<StorageUsage> {
  const { uploadBytes, derivedBytes } = await getStoredBytes(userId);
  return { usedBytes: uploadBytes + derivedBytes, limitBytes: plan.storageQuota, uploadBytes, derivedBytes };
}

/**
 * Refuses a create that would take the user past their storage quota, before any byte
 * moves, naming the usage and the limit. This is the early check (before the S3 session);
 * the insert checks again atomically (insertUploadWithinQuota), so two creates racing for
 * the last bytes cannot both pass, and the loser gets this same answer.
 */
export function checkStorageQuota(usedBytes: number, plan: Plan, size: number): void {
  if (usedBytes + size <= plan.storageQuota) return;
  throw quotaExceeded(usedBytes, plan, size);
}

export function quotaExceeded(usedBytes: number, plan: Plan, size: number): ApiError {
  const left = Math.max(0, plan.storageQuota - usedBytes);
  return new ApiError(
    "quota_exceeded",
    `This file (${formatBytes(size)}) does not fit in your storage: you are using ${formatBytes(usedBytes)} of the ${formatBytes(plan.storageQuota)} your ${plan.label} plan allows (${formatBytes(left)} left). Delete some files first.`,
    { limit: "storageQuota", usedBytes, limitBytes: plan.storageQuota, requestedBytes: size },
  );
}

/** Stored bytes per user for a page of users (the admin users page); users storing nothing are absent. */
export function getUsageByUser(userIds: string[]): Promise<Map<string, number>> {
  return getStoredBytesByOwner(userIds);
}
