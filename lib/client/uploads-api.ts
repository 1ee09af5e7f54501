import { apiRequest } from "./api-client";
import type { AnalysisOptions, DerivedPreviews, UploadEvent, UploadView } from "./upload-types";

export type CreateUploadInput = {
  name: string;
  type: string;
  size: number;
  projectId: string;
  options: AnalysisOptions;
};

export type CreateUploadResponse =
  | { upload: UploadView; strategy: "single"; put: { url: string; headers: Record<string, string>; expiresAt: string } }
  | {
      upload: UploadView;
      strategy: "multipart";
      multipart: { uploadId: string; key: string; partSize: number; partCount: number };
      /** URLs for the first few parts, so the upload starts without another round trip. */
      signed: SignedParts;
    };

export type SignedParts = { parts: { partNumber: number; url: string }[]; expiresAt: string };
export type ListedPart = { partNumber: number; size: number; etag: string };

const uploadPath = (id: string) => `/api/uploads/${encodeURIComponent(id)}`;

export function createUpload(input: CreateUploadInput, signal?: AbortSignal) {
  return apiRequest<CreateUploadResponse>("/api/uploads", { method: "POST", body: input, signal });
}

export function signUploadParts(id: string, partNumbers: number[], signal?: AbortSignal) {
  return apiRequest<SignedParts>(`${uploadPath(id)}/parts`, { method: "POST", body: { partNumbers }, signal });
}

export function listUploadParts(id: string, signal?: AbortSignal) {
  return apiRequest<{ parts: ListedPart[] }>(`${uploadPath(id)}/parts`, { signal });
}

export function completeUpload(id: string, signal?: AbortSignal) {
  return apiRequest<{ upload: UploadView }>(`${uploadPath(id)}/complete`, { method: "POST", body: {}, signal });
}

export function abortUpload(id: string, signal?: AbortSignal) {
  return apiRequest<{ upload: UploadView }>(uploadPath(id), { method: "DELETE", signal });
}

export function getUpload(id: string, signal?: AbortSignal) {
  return apiRequest<{ upload: UploadView; events: UploadEvent[]; previews?: DerivedPreviews }>(uploadPath(id), { signal });
}

export function listProjectUploads(projectId: string, cursor: string | null, limit = 50, signal?: AbortSignal) {
  const query = new URLSearchParams({ projectId, limit: String(limit) });
  if (cursor) query.set("cursor", cursor);
  return apiRequest<{ uploads: UploadView[]; nextCursor: string | null }>(`/api/uploads?${query}`, { signal });
}

export function createProject(name: string) {
  return apiRequest<{ project: { id: string; name: string } }>("/api/projects", { method: "POST", body: { name } });
}
