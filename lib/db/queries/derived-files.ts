import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { getDb } from "../client";
import { type DerivedKind, derivedFiles } from "../schema";

export type DerivedFileRow = typeof derivedFiles.$inferSelect;
export type NewDerivedFile = {
  uploadId: string;
  kind: DerivedKind;
  storageKey: string;
  contentType: string;
  bytes: number;
  width?: number | null;
  height?: number | null;
};

/** Every file derived from one upload, in a stable order. */
export async function listDerivedFiles(uploadId: string): Promise<DerivedFileRow[]> {
  return getDb().select().from(derivedFiles).where(eq(derivedFiles.uploadId, uploadId)).orderBy(asc(derivedFiles.kind));
}

/** Derived files of many uploads at once (a Files table page, a batch deletion). */
export async function listDerivedFilesFor(uploadIds: readonly string[]): Promise<DerivedFileRow[]> {
  if (uploadIds.length === 0) return [];
  return getDb()
    .select()
    .from(derivedFiles)
    .where(inArray(derivedFiles.uploadId, [...uploadIds]))
    .orderBy(asc(derivedFiles.uploadId), asc(derivedFiles.kind));
}

/** One row per (upload, kind): a redelivered job overwrites its earlier row instead of adding one. */
export async function upsertDerivedFile(file: NewDerivedFile): Promise<void> {
  const values = { ...file, width: file.width ?? null, height: file.height ?? null };
  await getDb()
    .insert(derivedFiles)
    .values(values)
    .onConflictDoUpdate({
      target: [derivedFiles.uploadId, derivedFiles.kind],
      set: {
        storageKey: values.storageKey,
        contentType: values.contentType,
        bytes: values.bytes,
        width: values.width,
        height: values.height,
        createdAt: sql`now()`,
      },
    });
}

/** All of an upload's rows, or only those of some kinds (a preview that turned out unavailable). */
export async function deleteDerivedFileRows(uploadId: string, kinds?: readonly DerivedKind[]): Promise<void> {
  const upload = eq(derivedFiles.uploadId, uploadId);
  await getDb()
    .delete(derivedFiles)
    .where(kinds ? and(upload, inArray(derivedFiles.kind, [...kinds])) : upload);
}
