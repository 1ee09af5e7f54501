import { getDb } from "@/lib/db/client";
import { uploads } from "@/lib/db/schema";
import { putObject } from "@/lib/storage/objects";
import { getBucket } from "@/lib/storage/s3-client";
import { safeKeyName } from "@/lib/uploads/safe-name";
import { newUploadId, storageKeyFor } from "@/lib/uploads/upload-id";
import type { TestUser } from "./auth";

type UploadInsert = typeof uploads.$inferInsert;

/**
 * An upload as the pipeline leaves it (the pipeline itself is tested elsewhere): its
 * object in the bucket and its row in `status`, declared and detected as `type`.
 */
export async function storedUpload(
  user: TestUser,
  opts: { name: string; bytes: Uint8Array; type: string; status: UploadInsert["status"]; objectType?: string; row?: Partial<UploadInsert> },
): Promise<{ id: string; key: string }> {
  const id = newUploadId();
  const safeName = safeKeyName(opts.name);
  const key = storageKeyFor(id, safeName);
  await putObject(key, opts.bytes, opts.objectType ?? opts.type);
  await getDb()
    .insert(uploads)
    .values({
      id,
      ownerId: user.id,
      projectId: user.projectId,
      plan: "free",
      bucket: getBucket(),
      storageKey: key,
      name: opts.name,
      safeName,
      declaredType: opts.type,
      declaredSize: opts.bytes.length,
      realType: opts.type,
      realSize: opts.bytes.length,
      status: opts.status,
      source: "client",
      deadlineAt: new Date(Date.now() + 3_600_000),
      ...opts.row,
    });
  return { id, key };
}
