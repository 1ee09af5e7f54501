import { type AdminUploadListRow, listAdminUploads } from "@/lib/db/queries/admin-uploads";
import { encodePageCursor } from "./page-cursor";
import { type ParsedUploadFilters, parseUploadFilters, type SearchParams } from "./parse-upload-filters";

export const ADMIN_PAGE_SIZE = 50;

export type AdminUploadsPage = ParsedUploadFilters & { rows: AdminUploadListRow[]; nextCursor: string | null };

/** One page of the admin uploads table for a query string. */
export async function getAdminUploadsPage(params: SearchParams, opts: { strict: boolean }): Promise<AdminUploadsPage> {
  const parsed = await parseUploadFilters(params, opts);
  if (parsed.unknownUser) return { ...parsed, rows: [], nextCursor: null };
  const { rows, nextCursor } = await listAdminUploads({ filters: parsed.filters, cursor: parsed.cursor, limit: ADMIN_PAGE_SIZE });
  return { ...parsed, rows, nextCursor: nextCursor ? encodePageCursor(nextCursor) : null };
}
