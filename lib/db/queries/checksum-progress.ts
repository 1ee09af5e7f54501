import { and, eq, sql } from "drizzle-orm";
import { getDb } from "../client";
import { checksumProgress } from "../schema";

export type ChecksumCheckpoint = { etag: string; offset: number; sha256State: Uint8Array; md5State: Uint8Array | null };

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
const unb64 = (text: string) => new Uint8Array(Buffer.from(text, "base64"));

/** The furthest saved hash state for this object version, or null. */
export async function loadChecksumCheckpoint(uploadId: string, etag: string): Promise<ChecksumCheckpoint | null> {
  const [row] = await getDb()
    .select()
    .from(checksumProgress)
    .where(and(eq(checksumProgress.uploadId, uploadId), eq(checksumProgress.etag, etag)))
    .limit(1);
  if (!row) return null;
  return { etag: row.etag, offset: row.offset, sha256State: unb64(row.sha256State), md5State: row.md5State ? unb64(row.md5State) : null };
}

/**
 * Saves a hash state. No lease fence is needed: the state after N bytes of one object
 * version is the same whoever computed it, so the furthest offset simply wins.
 */
export async function saveChecksumCheckpoint(uploadId: string, cp: ChecksumCheckpoint): Promise<void> {
  const values = { uploadId, etag: cp.etag, offset: cp.offset, sha256State: b64(cp.sha256State), md5State: cp.md5State ? b64(cp.md5State) : null };
  await getDb()
    .insert(checksumProgress)
    .values(values)
    .onConflictDoUpdate({
      target: checksumProgress.uploadId,
      set: { etag: values.etag, offset: values.offset, sha256State: values.sha256State, md5State: values.md5State, updatedAt: sql`now()` },
      where: sql`${checksumProgress.etag} <> excluded.etag or ${checksumProgress.offset} < excluded.offset`,
    });
}

export async function clearChecksumCheckpoint(uploadId: string): Promise<void> {
  await getDb().delete(checksumProgress).where(eq(checksumProgress.uploadId, uploadId));
}
