import { and, count, eq, isNotNull, sql } from "drizzle-orm";
import { getDb } from "@/lib/db/client";
import { uploads } from "@/lib/db/schema";

/** A user's pending uploads and the declared bytes of the multipart ones (uploads_owner_pending_idx). */
export async function getOpenUploadTotals(ownerId: string): Promise<{ openUploads: number; openMultipartBytes: number }> {
  const [row] = await getDb()
    .select({
      openUploads: count(),
      openMultipartBytes: sql<string>`coalesce(sum(${uploads.declaredSize}) filter (where ${isNotNull(uploads.s3UploadId)}), 0)`,
    })
    .from(uploads)
    .where(and(eq(uploads.ownerId, ownerId), eq(uploads.status, "pending")));
  return { openUploads: Number(row?.openUploads ?? 0), openMultipartBytes: Number(row?.openMultipartBytes ?? 0) };
}
