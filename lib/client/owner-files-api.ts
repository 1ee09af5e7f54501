import type { BulkDeleteResult } from "@/lib/uploads/delete-upload";
import type { FileUrl } from "@/lib/uploads/download-url";
import { apiRequest } from "./api-client";
import type { UploadView } from "./upload-types";

const uploadPath = (id: string) => `/api/uploads/${encodeURIComponent(id)}`;

/** A signed URL for playback (inline) or download (attachment), with the poster and storyboard. */
export function getFileUrl(id: string, disposition: "inline" | "attachment" = "inline", signal?: AbortSignal) {
  return apiRequest<FileUrl>(`${uploadPath(id)}/file?disposition=${disposition}`, { signal });
}

/** A plain link that downloads the file under its original name (the route redirects to a signed URL). */
export function downloadHref(id: string): string {
  return `${uploadPath(id)}/file?disposition=attachment&redirect=1`;
}

export function deleteUpload(id: string) {
  return apiRequest<{ upload: UploadView }>(`${uploadPath(id)}/delete`, { method: "POST", body: {} });
}

export function deleteUploads(ids: string[]) {
  return apiRequest<{ results: BulkDeleteResult[]; deleted: number }>("/api/uploads/delete", { method: "POST", body: { ids } });
}
