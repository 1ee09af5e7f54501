import { deleteDerivedFileRows, listDerivedFiles as listDerived, upsertDerivedFile } from "@/lib/db/queries/derived-files";
import type { DerivedKind } from "@/lib/db/schema";
import { deleteObject, presignGet, putObject } from "@/lib/storage/objects";

export { type DerivedFileRow, listDerivedFilesFor } from "@/lib/db/queries/derived-files";
export { listDerived };

/** Every derived object lives under this prefix, so storage sweeps can tell them from uploads. */
export const DERIVED_PREFIX = "derived/";

/** The key a processor writes one kind of derived file to; fixed per upload and kind, so a redelivery overwrites it. */
export function derivedKeyFor(uploadId: string, kind: DerivedKind, ext: string): string {
  return `${DERIVED_PREFIX}${uploadId}/${kind}.${ext}`;
}

export function isDerivedKey(key: string): boolean {
  return key.startsWith(DERIVED_PREFIX);
}

/** How long a derived file's signed URL lives: enough for a page view, short enough not to be a share link. */
export const DERIVED_URL_TTL_SECONDS = 15 * 60;

/**
 * A short-lived signed GET for one derived file of an upload, or null when there is none.
 * The caller checks that the user may see the upload first.
 */
export async function signedDerivedUrl(uploadId: string, kind: DerivedKind): Promise<string | null> {
  const row = (await listDerived(uploadId)).find((r) => r.kind === kind);
  return row ? presignGet(row.storageKey, DERIVED_URL_TTL_SECONDS, { contentType: row.contentType }) : null;
}

/**
 * Removes an upload's derived objects, then their rows (a row never points at nothing it
 * claims to count); all of them, or only some kinds.
 */
export async function deleteDerived(uploadId: string, kinds?: readonly DerivedKind[]): Promise<number> {
  const rows = (await listDerived(uploadId)).filter((r) => !kinds || kinds.includes(r.kind));
  for (const row of rows) await deleteObject(row.storageKey);
  await deleteDerivedFileRows(uploadId, kinds);
  return rows.length;
}

/**
 * Stores one derived file and records it. The key is fixed per (upload, kind) and the row
 * is upserted, so a redelivered job overwrites both instead of adding a second file.
 */
export async function saveDerived(input: {
  uploadId: string;
  kind: DerivedKind;
  ext: string;
  contentType: string;
  body: Uint8Array | string;
  width?: number;
  height?: number;
}): Promise<{ key: string; bytes: number }> {
  const key = derivedKeyFor(input.uploadId, input.kind, input.ext);
  const bytes = typeof input.body === "string" ? Buffer.byteLength(input.body) : input.body.byteLength;
  await putObject(key, input.body, input.contentType);
  await upsertDerivedFile({
    uploadId: input.uploadId,
    kind: input.kind,
    storageKey: key,
    contentType: input.contentType,
    bytes,
    width: input.width,
    height: input.height,
  });
  return { key, bytes };
}
