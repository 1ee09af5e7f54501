/** The upload shapes the browser receives from `/api/uploads/**` (timestamps are ISO strings). */

import type { UploadStatus } from "@/lib/db/schema";
import type { AnalysisOptions, UploadResult } from "@/lib/processors/catalog";

export type { UploadStatus };

/** A server component may hand over `Date`s where JSON would carry strings. */
export type Timestamp = string | Date;

/** Short-lived signed URLs of an upload's derived images (lib/derived/derived-previews.ts). */
export type { DerivedPreviews } from "@/lib/derived/derived-previews";
export type { AnalysisOptions, ProbeResult, UploadResult as UploadResults } from "@/lib/processors/catalog";

export type UploadView = {
  id: string;
  projectId: string;
  name: string;
  type: string;
  realType: string | null;
  size: number;
  status: UploadStatus;
  source: string | null;
  key: string;
  options: Partial<AnalysisOptions> | null;
  rejectReason: string | null;
  failureReason: string | null;
  result: UploadResult | null;
  createdAt: Timestamp | null;
  uploadedAt: Timestamp | null;
  queuedAt: Timestamp | null;
  processingAt: Timestamp | null;
  processedAt: Timestamp | null;
  failedAt: Timestamp | null;
};

export type UploadEvent = {
  at: Timestamp;
  type: string;
  source: string | null;
  detail: unknown;
};

export const FINAL_STATUSES: ReadonlySet<UploadStatus> = new Set(["processed", "failed", "expired", "aborted", "rejected", "deleted"]);

export function isFinalStatus(status: UploadStatus): boolean {
  return FINAL_STATUSES.has(status);
}
