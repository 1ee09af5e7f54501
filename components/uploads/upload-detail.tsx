"use client";

import type { DerivedPreviews, UploadEvent, UploadView } from "@/lib/client/upload-types";
import { formatBytes } from "@/lib/plans/plans";
import { DeleteUploadButton } from "./delete-upload-button";
import { LocalTime } from "./local-time";
import { PipelineState } from "./pipeline-state";
import { Player } from "./player";
import { StatusBadge } from "./status-badge";
import { UploadResults } from "./upload-results";
import { UploadTimeline } from "./upload-timeline";
import { useLiveUpload } from "./use-live-upload";

type Props = {
  initial: { upload: UploadView; events: UploadEvent[]; previews?: DerivedPreviews };
  /** The server's time before it read `initial`: changes after it arrive live. */
  liveSince: string;
  /** The viewer owns the upload: the page offers to delete it. */
  canDelete?: boolean;
};

/** One upload's live view: where it is in the pipeline, why it stopped, what was found, and its timeline. */
export function UploadDetail({ initial, liveSince, canDelete = false }: Props) {
  const { data, pollError } = useLiveUpload(initial, liveSince);
  const { upload, events } = data;

  const reason = upload.status === "rejected" ? upload.rejectReason : upload.status === "failed" ? upload.failureReason : null;

  const facts = (
    [
      ["Added", upload.createdAt && <LocalTime value={upload.createdAt} precise />],
      ["Bytes verified", upload.uploadedAt && <LocalTime value={upload.uploadedAt} precise />],
      ["Processed", upload.processedAt && <LocalTime value={upload.processedAt} precise />],
      ["Confirmed by", upload.source],
    ] as const
  ).filter(([, value]) => value);

  return (
    <div className="upload-detail" data-testid="upload-detail" data-status={upload.status} data-upload-id={upload.id}>
      <div className="detail-head">
        <StatusBadge status={upload.status} />
        <span className="muted">
          {formatBytes(upload.size)} · {upload.realType ?? upload.type}
        </span>
      </div>

      <section aria-labelledby="state-heading" className="card detail-section">
        <h2 id="state-heading">State</h2>
        <PipelineState status={upload.status} />
        {reason && (
          <p className="error-text" role="status" data-testid="upload-reason">
            {reason}
          </p>
        )}
        {pollError && (
          <p className="muted" role="status">
            {pollError}
          </p>
        )}
        <dl className="kv detail-facts">
          {facts.map(([label, value]) => (
            <div key={label} className="kv-row">
              <dt>{label}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
      </section>

      {(upload.status === "processed" || upload.status === "failed") && (
        <section aria-labelledby="file-heading" className="detail-section">
          <h2 id="file-heading">File</h2>
          <Player uploadId={upload.id} name={upload.name} contentType={upload.realType ?? upload.type} />
        </section>
      )}
      {canDelete && upload.status !== "processing" && upload.status !== "deleted" && (
        <DeleteUploadButton uploadId={upload.id} name={upload.name} projectId={upload.projectId} />
      )}

      <section aria-labelledby="results-heading" className="detail-section">
        <h2 id="results-heading">Results</h2>
        <UploadResults
          status={upload.status}
          result={upload.result}
          options={upload.options}
          declaredType={upload.type}
          realType={upload.realType}
          previews={data.previews ?? {}}
        />
      </section>

      <section aria-labelledby="timeline-heading" className="detail-section">
        <h2 id="timeline-heading">Timeline</h2>
        <UploadTimeline events={events} />
      </section>
    </div>
  );
}
