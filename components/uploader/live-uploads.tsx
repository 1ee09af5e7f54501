import { useUppyState } from "@uppy/react";
import Link from "next/link";
import { useSyncExternalStore } from "react";
import { PipelineState } from "@/components/uploads/pipeline-state";
import { ResultSummary } from "@/components/uploads/result-summary";
import { type DisplayStatus, STATUS_HINTS } from "@/components/uploads/status";
import { StatusBadge } from "@/components/uploads/status-badge";
import { formatBytes } from "@/lib/plans/plans";
import type { BiblioFile, BiblioUppy } from "./create-uploader";
import type { PipelineEntry, PipelineTracker } from "./pipeline-tracker";

/**
 * `awaitingResume`: Golden Retriever restored this page's uploads and Upload has not been
 * pressed yet. A restored file keeps its old progress (`uploadStarted`, 46 %), but nothing
 * is moving until the person presses Upload.
 */
function displayStatus(file: BiblioFile, entry: PipelineEntry | undefined, awaitingResume: boolean): DisplayStatus {
  const server = entry?.upload?.status;
  if (server && server !== "pending") return server;
  if (entry?.phase === "error" || file.error) return "error";
  if (entry?.phase === "verifying" || file.progress.uploadComplete) return "verifying";
  if (file.isGhost) return "needs-file";
  if (awaitingResume && file.isRestored && file.progress.uploadStarted) return "resumable";
  if (file.isPaused) return "paused";
  if (file.progress.uploadStarted) return "uploading";
  return "ready";
}

function percentOf(file: BiblioFile): number {
  const { bytesUploaded, bytesTotal, percentage } = file.progress;
  if (typeof bytesUploaded === "number" && bytesTotal) return Math.min(100, Math.floor((bytesUploaded / bytesTotal) * 100));
  return percentage ?? 0;
}

const BYTES_MOVING: ReadonlySet<DisplayStatus> = new Set(["ready", "resumable", "uploading", "paused", "needs-file", "error"]);
/** States where the person has to act; the row says what to do. */
const NEEDS_ACTION: ReadonlySet<DisplayStatus> = new Set(["needs-file", "resumable", "paused"]);

function LiveRow({ file, entry, awaitingResume }: { file: BiblioFile; entry: PipelineEntry | undefined; awaitingResume: boolean }) {
  const status = displayStatus(file, entry, awaitingResume);
  const biblioId = file.meta.biblioId;
  const upload = entry?.upload ?? null;
  const percent = percentOf(file);
  const message = status === "error" ? (entry?.message ?? file.error ?? null) : null;
  const reason = upload?.status === "rejected" ? upload.rejectReason : upload?.status === "failed" ? upload.failureReason : null;
  const stillSending = BYTES_MOVING.has(status);

  return (
    <li className="live-row" data-testid="upload-row" data-status={status} data-upload-id={biblioId ?? ""} data-file-id={file.id}>
      <div className="live-row-head">
        <span className="live-name">{file.name}</span>
        <span className="muted live-size">{formatBytes(file.size ?? 0)}</span>
        <span aria-live="polite" aria-atomic="true">
          <StatusBadge status={status} />
        </span>
      </div>
      {stillSending && status !== "ready" && (
        <div className="live-progress">
          <progress max={100} value={percent} aria-label={`Upload progress of ${file.name}`} />
          <span className="muted live-percent">{percent}%</span>
        </div>
      )}
      <PipelineState status={status} compact />
      {NEEDS_ACTION.has(status) && (
        <p className="live-hint" data-testid="upload-hint">
          {STATUS_HINTS[status]}
        </p>
      )}
      {message && (
        <p className="error-text" role="alert" data-testid="upload-error">
          {message}
        </p>
      )}
      {reason && (
        <p className="error-text" data-testid="upload-reason">
          {reason}
        </p>
      )}
      {upload?.status === "processed" && <ResultSummary result={upload.result} />}
      {biblioId && (
        <p className="live-links">
          {stillSending ? (
            // A new tab, so following the link does not stop this upload.
            <a href={`/uploads/${biblioId}`} target="_blank" rel="noopener">
              Details <span className="visually-hidden">for {file.name} </span>(opens in a new tab)
            </a>
          ) : (
            <Link href={`/uploads/${biblioId}`}>
              Details<span className="visually-hidden"> for {file.name}</span>
            </Link>
          )}
        </p>
      )}
    </li>
  );
}

/** Every file in this uploader, from its first byte to its processing result. */
export function LiveUploads({ uppy, tracker }: { uppy: BiblioUppy; tracker: PipelineTracker }) {
  const files = useUppyState(uppy, (state) => state.files);
  const awaitingResume = useUppyState(uppy, (state) => state.recoveredState !== null);
  const pipeline = useSyncExternalStore(tracker.subscribe, tracker.getSnapshot, tracker.getSnapshot);
  const list = Object.values(files);
  if (!list.length) return null;
  return (
    <section className="live-uploads" aria-labelledby="live-uploads-heading" data-testid="live-uploads">
      <h3 id="live-uploads-heading">Pipeline</h3>
      <ul className="live-list">
        {list.map((file) => (
          <LiveRow key={file.id} file={file} entry={file.meta.biblioId ? pipeline.get(file.meta.biblioId) : undefined} awaitingResume={awaitingResume} />
        ))}
      </ul>
    </section>
  );
}
