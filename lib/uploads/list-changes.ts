import { z } from "zod";
import { ApiError } from "@/lib/api/errors";
import { type ChangeCursor, listProjectChanges } from "@/lib/db/queries/upload-changes";
import type { InlineRateLimit } from "@/lib/rate-limit/consume-rate-limit";
import { thumbnailUrlsFor } from "./download-url";
import { toAdminUploadView, toUploadView } from "./upload-view";

/** Enough for a burst (a sweep, a bulk delete); more arrive on the next poll at once. */
export const CHANGES_PAGE_SIZE = 100;

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

/** Postgres refuses what JS rolls over (Feb 30) and years before 1 AD: only times that survive a round trip pass. */
function isRealTime(at: string): boolean {
  const time = Date.parse(at);
  return time >= 0 && new Date(time).toISOString().slice(0, 19) === at.slice(0, 19);
}

/** `<ISO time>` or `<ISO time>|<upload id>`, exactly as a previous answer gave it. */
export const CHANGE_CURSOR = z
  .string()
  .max(120)
  .transform((value, ctx): ChangeCursor => {
    const [at = "", id = "", ...rest] = value.split("|");
    if (!ISO_UTC.test(at) || !isRealTime(at) || rest.length || !/^[A-Za-z0-9_-]{0,64}$/.test(id)) {
      ctx.addIssue({ code: "custom", message: "must be a cursor from a previous answer (an ISO UTC time, optionally |id)" });
      return z.NEVER;
    }
    return { at, id };
  });

/** Clock skew between the app and Postgres that a page's starting point allows for. */
const START_MARGIN_MS = 5_000;

/**
 * Where a page starts following changes: taken before it reads its rows, minus a margin
 * for clock skew, so a change its read missed still arrives (one it saw may arrive twice).
 */
export function liveChangesStart(): string {
  return new Date(Date.now() - START_MARGIN_MS).toISOString();
}

export const formatChangeCursor = (cursor: ChangeCursor) => (cursor.id ? `${cursor.at}|${cursor.id}` : cursor.at);

/**
 * What changed in a project since `since`, for the Files table and the upload page to
 * follow without reloading. Members read it; so do admins, who may open any upload.
 * The poll's rate limit is counted in the same statement (`rateLimit`), so a quiet poll
 * is one statement; over it, the same 429 as every other route. Null means nothing changed.
 */
export async function listUploadChanges(input: { userId: string; isAdmin: boolean; projectId: string; since: ChangeCursor; rateLimit: InlineRateLimit }) {
  const changes = await listProjectChanges({ ...input, limit: CHANGES_PAGE_SIZE });
  input.rateLimit.check(changes.rateHits);
  if (!changes.allowed) throw new ApiError("not_found", "Project not found.");
  if (!changes.next) return null;
  const view = input.isAdmin ? toAdminUploadView : toUploadView;
  // A file that just finished shows its thumbnail in the Files table without a reload.
  const thumbnails = await thumbnailUrlsFor(changes.rows);
  return {
    uploads: changes.rows.map((row) => ({ ...view(row), thumbnailUrl: thumbnails.get(row.id) ?? null })),
    cursor: formatChangeCursor(changes.next),
    more: changes.rows.length === CHANGES_PAGE_SIZE,
  };
}
