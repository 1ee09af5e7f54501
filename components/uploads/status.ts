import type { UploadStatus } from "@/lib/client/upload-types";

/** Server states plus the ones only the uploading browser knows about. */
export type DisplayStatus = UploadStatus | "ready" | "resumable" | "needs-file" | "uploading" | "paused" | "verifying" | "error";

export type StatusTone = "ok" | "warn" | "bad" | "info" | "neutral";

export const STATUS_LABELS: Record<DisplayStatus, string> = {
  ready: "Ready",
  resumable: "Ready to resume",
  "needs-file": "Select the file again",
  uploading: "Uploading",
  paused: "Paused",
  verifying: "Verifying",
  error: "Upload error",
  pending: "Waiting for bytes",
  uploaded: "Verified",
  queued: "Queued",
  processing: "Processing",
  processed: "Processed",
  failed: "Failed",
  expired: "Expired",
  aborted: "Cancelled",
  rejected: "Rejected",
  deleted: "Deleted",
};

export const STATUS_TONES: Record<DisplayStatus, StatusTone> = {
  ready: "neutral",
  resumable: "warn",
  "needs-file": "warn",
  uploading: "info",
  paused: "warn",
  verifying: "info",
  error: "bad",
  pending: "neutral",
  uploaded: "info",
  queued: "info",
  processing: "info",
  processed: "ok",
  failed: "bad",
  expired: "bad",
  aborted: "neutral",
  rejected: "bad",
  deleted: "neutral",
};

/** One sentence on what the state means for the person waiting. */
export const STATUS_HINTS: Record<DisplayStatus, string> = {
  ready: "Press Upload to send it.",
  resumable: "Press Upload: it continues from the parts already stored and sends none of them again.",
  "needs-file": "This upload was interrupted. Use “Add more” to select the same file again, then Upload: it continues where it stopped.",
  uploading: "Sending the file straight to storage.",
  paused: "Resume to continue from the last finished part.",
  verifying: "Checking the stored file's size and type.",
  error: "The upload stopped. Retry to continue.",
  pending: "Waiting for the file's bytes to arrive.",
  uploaded: "Verified. Handing it to the processing queue.",
  queued: "Waiting for a worker.",
  processing: "Running the analysis you asked for.",
  processed: "Done. Results are below.",
  failed: "Processing failed.",
  expired: "The bytes never arrived before the deadline.",
  aborted: "The upload was cancelled.",
  rejected: "The stored file did not match what was declared, so it was removed.",
  deleted: "You deleted this file; its bytes and previews are gone.",
};
