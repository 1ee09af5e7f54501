import { and, asc, eq, isNull, lte } from "drizzle-orm";
import { getDb } from "../client";
import { uploads } from "../schema";
import type { UploadRow } from "./uploads";

/** Rejected uploads whose quarantine has ended and whose bytes are still stored, oldest first. */
export async function listExpiredQuarantine(now: Date, limit: number, bucket?: string): Promise<UploadRow[]> {
  return getDb()
    .select()
    .from(uploads)
    .where(
      and(eq(uploads.status, "rejected"), lte(uploads.quarantineUntil, now), isNull(uploads.objectDeletedAt), bucket ? eq(uploads.bucket, bucket) : undefined),
    )
    .orderBy(asc(uploads.quarantineUntil))
    .limit(limit);
}
