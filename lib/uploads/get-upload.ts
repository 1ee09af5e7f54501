import { getProjectForMember } from "@/lib/db/queries/projects";
import { getUploadById, listUploadEvents } from "@/lib/db/queries/uploads";
import { toEventView, toUploadView } from "./upload-view";
import { UPLOAD_ID_PATTERN } from "./upload-id";

/**
 * An upload with its timeline, for its owner, members of its project and admins;
 * null for everyone else, exactly as for an unknown id.
 */
export async function getUploadView(input: { userId: string; uploadId: string; isAdmin: boolean }) {
  if (!UPLOAD_ID_PATTERN.test(input.uploadId)) return null;
  const upload = await getUploadById(input.uploadId);
  if (!upload) return null;
  const allowed =
    upload.ownerId === input.userId || input.isAdmin || (await getProjectForMember(upload.projectId, input.userId)) !== null;
  if (!allowed) return null;
  const events = await listUploadEvents(upload.id);
  return { upload: toUploadView(upload), events: events.map(toEventView) };
}
