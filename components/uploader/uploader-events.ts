import { ApiRequestError } from "@/lib/client/api-client";
import type { BiblioUppy } from "./create-uploader";
import type { PipelineTracker } from "./pipeline-tracker";

type Wiring = {
  tracker: PipelineTracker;
  /** Files the person removed or cancelled, as opposed to uploads that failed and may be retried. */
  cancelled: Set<string>;
  /** True while the page tears Uppy down: its removals must not cancel uploads a later visit resumes. */
  isDisposing: () => boolean;
  onRefused: (message: string) => void;
  /** Deletes the server's intent for an upload the person removed. */
  deleteIntent: (biblioId: string) => Promise<void>;
};

/**
 * What the uploader does when Uppy reports something: refusals, cancels and removals (the
 * server intent is deleted), and the hand-over of finished uploads to the pipeline tracker.
 * The S3 side (create, sign, complete) is in create-uploader.ts.
 */
export function wireUploaderEvents(uppy: BiblioUppy, { tracker, cancelled, isDisposing, onRefused, deleteIntent }: Wiring): void {
  uppy.on("file-added", (file) => {
    cancelled.delete(file.id);
  });

  // Uppy's own refusals (duplicates and the like); ours arrive through onBeforeFileAdded.
  uppy.on("restriction-failed", (_file, error) => {
    if ((error as { isUserFacing?: boolean }).isUserFacing !== false) onRefused(error.message);
  });

  uppy.on("cancel-all", () => {
    if (isDisposing()) return;
    for (const file of uppy.getFiles()) cancelled.add(file.id);
  });

  uppy.on("file-removed", (file) => {
    if (isDisposing()) return;
    cancelled.add(file.id);
    const biblioId = file.meta.biblioId;
    if (!biblioId) return;
    if (file.progress.uploadComplete) {
      tracker.untrack(biblioId);
      return;
    }
    void deleteIntent(biblioId).catch(() => {});
  });

  uppy.on("upload-success", (file, response) => {
    const biblioId = file?.meta.biblioId;
    if (!biblioId || response.body?.biblioUpload) return;
    void tracker.complete(biblioId);
  });

  uppy.on("upload-retry", (file) => {
    if (file?.meta.biblioId) tracker.retrying(file.meta.biblioId);
  });

  uppy.on("upload-error", (file, error) => {
    const biblioId = file?.meta.biblioId;
    if (!biblioId || tracker.getSnapshot().get(biblioId)?.phase === "error") return;
    // A 4xx from our API means the server's state may explain more (for example `rejected`).
    if (error instanceof ApiRequestError && error.status >= 400) void tracker.check(biblioId);
  });

  const resumeRestored = () => {
    for (const file of uppy.getFiles()) {
      if (file.meta.biblioId && file.progress.uploadComplete) void tracker.resume(file.meta.biblioId);
    }
  };
  uppy.on("restored", resumeRestored);
}
