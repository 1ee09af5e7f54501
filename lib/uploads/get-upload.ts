import { getProjectForMember } from "@/lib/db/queries/projects";
import { getUploadById, listUploadEvents } from "@/lib/db/queries/uploads";
import { derivedPreviews } from "@/lib/derived/derived-previews";
import { UPLOAD_ID_PATTERN } from "./upload-id";
import { toAdminUploadView, toEventView, toUploadView } from "./upload-view";
import { toUserEventViews } from "./user-event-view";

/**
 * An upload with its timeline, for its owner, members of its project and admins;
 * null for everyone else, exactly as for an unknown id. Admins see every event with its
 * full detail; everyone else the allowlisted, plain-words timeline.
 */
export async function getUploadView(input: { userId: string; uploadId: string; isAdmin: boolean }) {
  if (!UPLOAD_ID_PATTERN.test(input.uploadId)) return null;
  const upload = await getUploadById(input.uploadId);
  if (!upload) return null;
  const allowed = upload.ownerId === input.userId || input.isAdmin || (await getProjectForMember(upload.projectId, input.userId)) !== null;
  if (!allowed) return null;
  // Derived files exist once processing has finished; before that, no query for them.
  const [events, previews] = await Promise.all([listUploadEvents(upload.id), upload.status === "processed" ? derivedPreviews(upload.id) : {}]);
  if (input.isAdmin) return { upload: toAdminUploadView(upload), events: events.map(toEventView), previews };
  return { upload: toUploadView(upload), events: toUserEventViews(events), previews };
}
