/** The upload shapes the browser receives from `/api/uploads/**` (timestamps are ISO strings). */

import type { UploadStatus } from "@/lib/db/schema";

export type { UploadStatus };

/** A server component may hand over `Date`s where JSON would carry strings. */
export type Timestamp = string | Date;

export type AnalysisOptions = { checksum: boolean; sniff: boolean; probe: boolean };

export type ProbeResult = {
  container?: string | null;
  duration?: number | null;
  videoCodec?: string | null;
  width?: number | null;
  height?: number | null;
  frameRate?: number | null;
  audioCodec?: string | null;
  sampleRate?: number | null;
  channels?: number | null;
  bitrate?: number | null;
};

export type UploadResults = {
  checksum?: { sha256: string; etagMatches?: boolean | null } | null;
  sniff?: { mime: string | null } | null;
  probe?: ProbeResult | null;
};

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
  result: UploadResults | null;
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
