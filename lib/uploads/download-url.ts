import type { UploadRow } from "@/lib/db/queries/uploads";
import type { DerivedKind } from "@/lib/db/schema";
import { type DerivedFileRow, listDerived, listDerivedFilesFor } from "@/lib/derived/derived-files";
import { assertDownloadable, getReadableUpload } from "./download-access";
import { type Disposition, type SignedGet, signGet } from "./download-sign";

/**
 * How long a playback or download URL lives. Long enough to watch a film through (the
 * <video> keeps making ranged requests on the same URL); a URL that leaks stops working
 * within the hour. The player asks for a fresh one when it fails.
 */
export const FILE_URL_TTL_SECONDS = 60 * 60;

export type DerivedUrl = SignedGet & { contentType: string; width: number | null; height: number | null };

/**
 * A signed GET for an upload's own file (inline for playback, attachment for download,
 * named after the original file), with its derived files (poster, storyboard).
 */
export async function getFileUrl(input: { uploadId: string; userId: string; disposition: Disposition }) {
  const upload = await getReadableUpload(input.uploadId, input.userId);
  assertDownloadable(upload);
  const [file, derived] = await Promise.all([
    signGet(upload.storageKey, {
      minTtlSeconds: FILE_URL_TTL_SECONDS,
      disposition: { type: input.disposition, name: upload.name },
      contentType: contentTypeOf(upload),
    }),
    listDerived(upload.id),
  ]);
  const signed = await Promise.all(derived.map(async (row) => [row.kind, await signDerived(row)] as const));
  return {
    ...file,
    name: upload.name,
    contentType: contentTypeOf(upload),
    size: upload.realSize ?? upload.declaredSize,
    derived: Object.fromEntries(signed) as Partial<Record<DerivedKind, DerivedUrl>>,
  };
}

export type FileUrl = Awaited<ReturnType<typeof getFileUrl>>;

/** The detected type wins over the declared one: it is what the bytes are. */
function contentTypeOf(upload: UploadRow): string {
  return upload.realType ?? upload.declaredType;
}

export async function signDerived(row: DerivedFileRow): Promise<DerivedUrl> {
  const signed = await signGet(row.storageKey, { minTtlSeconds: FILE_URL_TTL_SECONDS, contentType: row.contentType });
  return { ...signed, contentType: row.contentType, width: row.width, height: row.height };
}

/** Signed thumbnail URLs for a page of uploads (one query, signing is local). */
export async function thumbnailUrlsFor(uploads: Pick<UploadRow, "id" | "status">[]): Promise<Map<string, string>> {
  const ids = uploads.filter((u) => u.status !== "deleted").map((u) => u.id);
  const rows = (await listDerivedFilesFor(ids)).filter((row) => row.kind === "thumbnail");
  const signed = await Promise.all(rows.map(async (row) => [row.uploadId, (await signDerived(row)).url] as const));
  return new Map(signed);
}
