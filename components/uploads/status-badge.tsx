import { type DisplayStatus, STATUS_LABELS, STATUS_TONES } from "./status";

/** The one badge for an upload's state, in the one colour map. Admin pages show the raw state word (`raw`). */
export function StatusBadge({ status, raw }: { status: DisplayStatus; raw?: boolean }) {
  const tone = STATUS_TONES[status];
  return (
    <span className={`badge${tone === "neutral" ? "" : ` ${tone}`}`} data-testid="status-badge" data-status={status}>
      {raw ? status : STATUS_LABELS[status]}
    </span>
  );
}
