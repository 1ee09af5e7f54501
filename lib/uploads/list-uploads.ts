import { ApiError } from "@/lib/api/errors";
import { getProjectForMember } from "@/lib/db/queries/projects";
import { decodeCursor, listUploadsByProject } from "@/lib/db/queries/uploads";
import { thumbnailUrlsFor } from "./download-url";
import { toUploadView } from "./upload-view";

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/** One page of a project's uploads, newest first; members only. */
export async function listUploads(input: { userId: string; projectId: string; cursor?: string | null; limit?: number }) {
  const project = await getProjectForMember(input.projectId, input.userId);
  if (!project) throw new ApiError("not_found", "Project not found.");
  const cursor = input.cursor ? decodeCursor(input.cursor) : null;
  if (input.cursor && !cursor) throw new ApiError("bad_request", "The cursor is not valid; start from the first page.");
  const limit = Math.min(Math.max(input.limit ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
  const page = await listUploadsByProject({ projectId: project.id, cursor, limit });
  const thumbnails = await thumbnailUrlsFor(page.rows);
  return { uploads: page.rows.map((row) => ({ ...toUploadView(row), thumbnailUrl: thumbnails.get(row.id) ?? null })), nextCursor: page.nextCursor };
}
