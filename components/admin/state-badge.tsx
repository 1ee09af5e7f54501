import type { UploadStatus } from "@/lib/db/schema";

const TONE: Record<UploadStatus, string> = {
  pending: "",
  uploaded: "info",
  queued: "info",
  processing: "info",
  processed: "ok",
  failed: "bad",
  expired: "warn",
  aborted: "warn",
  rejected: "bad",
};

export function StateBadge({ status }: { status: UploadStatus }) {
  return (
    <span className={`badge ${TONE[status]}`} data-testid="state-badge" data-status={status}>
      {status}
    </span>
  );
}

export function CheckBadge({ status }: { status: "ok" | "warn" | "fail" }) {
  return <span className={`badge ${status === "ok" ? "ok" : status === "warn" ? "warn" : "bad"}`}>{status === "ok" ? "OK" : status === "warn" ? "Warning" : "Failing"}</span>;
}
