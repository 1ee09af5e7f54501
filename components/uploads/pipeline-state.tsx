import { type DisplayStatus, STATUS_HINTS, STATUS_LABELS } from "./status";

const STEPS = ["Uploading", "Verifying", "Queued", "Processing", "Processed"] as const;

type Position = { index: number; outcome: "active" | "done" | "stopped" };

function positionOf(status: DisplayStatus): Position {
  switch (status) {
    case "ready":
    case "resumable":
    case "needs-file":
    case "uploading":
    case "paused":
    case "pending":
      return { index: 0, outcome: "active" };
    case "verifying":
      return { index: 1, outcome: "active" };
    case "uploaded":
    case "queued":
      return { index: 2, outcome: "active" };
    case "processing":
      return { index: 3, outcome: "active" };
    case "processed":
    case "deleted":
      return { index: 4, outcome: "done" };
    case "failed":
      return { index: 3, outcome: "stopped" };
    case "rejected":
      return { index: 1, outcome: "stopped" };
    case "error":
    case "expired":
    case "aborted":
      return { index: 0, outcome: "stopped" };
  }
}

/** The five steps every upload walks through, with where this one is (or where it stopped). */
export function PipelineState({ status, compact = false }: { status: DisplayStatus; compact?: boolean }) {
  const { index, outcome } = positionOf(status);
  return (
    <div className={`pipeline${compact ? " compact" : ""}`} data-testid="pipeline-state" data-status={status}>
      <ol className="pipeline-steps" aria-label="Processing steps">
        {STEPS.map((label, i) => {
          const state = outcome === "done" || i < index ? "done" : i > index ? "upcoming" : outcome === "stopped" ? "stopped" : "current";
          const shown = state === "stopped" || (state === "current" && i === 0) ? STATUS_LABELS[status] : label;
          return (
            <li key={label} className={`pipeline-step ${state}`} aria-current={state === "current" ? "step" : undefined}>
              <span className="pipeline-dot" aria-hidden="true" />
              <span className="pipeline-label">{shown}</span>
              <span className="visually-hidden">
                {state === "done" ? " (done)" : state === "stopped" ? " (stopped here)" : state === "current" ? " (in progress)" : ""}
              </span>
            </li>
          );
        })}
      </ol>
      {!compact && <p className="pipeline-hint muted">{STATUS_HINTS[status]}</p>}
    </div>
  );
}
