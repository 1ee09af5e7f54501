import { listDerivedFiles } from "@/lib/db/queries/derived-files";
import type { DerivedKind } from "@/lib/db/schema";
import { presignGet } from "@/lib/storage/objects";
import { DERIVED_URL_TTL_SECONDS } from "./derived-files";

export type DerivedPreview = { url: string; width: number | null; height: number | null };
/** Signed URLs of an upload's derived files, by kind, for the results view and players. */
export type DerivedPreviews = Partial<Record<DerivedKind, DerivedPreview>>;

/**
 * Every derived file of an upload with a short-lived signed GET. Presigning is local
 * (no request to storage), so this costs one small query. The caller checks access.
 */
export async function derivedPreviews(uploadId: string): Promise<DerivedPreviews> {
  const rows = await listDerivedFiles(uploadId);
  const entries = await Promise.all(
    rows.map(
      async (row) =>
        [
          row.kind,
          { url: await presignGet(row.storageKey, DERIVED_URL_TTL_SECONDS, { contentType: row.contentType }), width: row.width, height: row.height },
        ] as const,
    ),
  );
  return Object.fromEntries(entries);
}
