import { STATUS_LABELS, STATUS_TONES, type DisplayStatus } from "./status";

export function StatusBadge({ status }: { status: DisplayStatus }) {
  const tone = STATUS_TONES[status];
  return (
    <span className={`badge${tone === "neutral" ? "" : ` ${tone}`}`} data-testid="status-badge" data-status={status}>
      {STATUS_LABELS[status]}
    </span>
  );
}
