"use client";

import { useEffect, useState } from "react";
import { ApiRequestError, errorMessage } from "@/lib/client/api-client";
import { isFinalStatus, type UploadEvent, type UploadView } from "@/lib/client/upload-types";
import { getUpload } from "@/lib/client/uploads-api";
import { formatBytes } from "@/lib/plans/plans";
import { LocalTime } from "./local-time";
import { PipelineState } from "./pipeline-state";
import { StatusBadge } from "./status-badge";
import { UploadResults } from "./upload-results";
import { UploadTimeline } from "./upload-timeline";

const FAST_POLL_MS = 1_000;
const FAST_POLLS = 30;
const MAX_POLL_MS = 10_000;

type Props = { initial: { upload: UploadView; events: UploadEvent[] } };

/** One upload's live view: where it is in the pipeline, why it stopped, what was found, and its timeline. */
export function UploadDetail({ initial }: Props) {
  const [data, setData] = useState(initial);
  const [pollError, setPollError] = useState<string | null>(null);
  const { upload, events } = data;
  const final = isFinalStatus(upload.status);

  useEffect(() => {
    if (final) return;
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let polls = 0;
    const controller = new AbortController();

    const tick = async () => {
      polls++;
      try {
        const next = await getUpload(upload.id, controller.signal);
        if (cancelled) return;
        setData(next);
        setPollError(null);
        if (isFinalStatus(next.upload.status)) return;
      } catch (error) {
        if (cancelled) return;
        if (error instanceof ApiRequestError && error.status >= 400 && error.status < 500 && error.status !== 429) {
          setPollError(errorMessage(error));
          return;
        }
        setPollError("Lost contact with Biblio; retrying…");
      }
      const delay = Math.min(MAX_POLL_MS, FAST_POLL_MS * 1.5 ** Math.max(0, polls - FAST_POLLS));
      timer = setTimeout(tick, document.hidden ? Math.max(delay, 5_000) : delay);
    };
    timer = setTimeout(tick, FAST_POLL_MS);
    return () => {
      cancelled = true;
      controller.abort();
      if (timer) clearTimeout(timer);
    };
  }, [upload.id, final]);

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

      <section aria-labelledby="results-heading" className="detail-section">
        <h2 id="results-heading">Results</h2>
        <UploadResults status={upload.status} result={upload.result} options={upload.options} declaredType={upload.type} realType={upload.realType} />
      </section>

      <section aria-labelledby="timeline-heading" className="detail-section">
        <h2 id="timeline-heading">Timeline</h2>
        <UploadTimeline events={events} />
      </section>
    </div>
  );
}
