import { AdminActionButton } from "@/components/admin/admin-action-button";
import type { AdminUploadDetail } from "@/lib/admin/get-admin-upload-detail";
import { REPLAYABLE } from "@/lib/jobs/replayable";

const SETTLED = new Set(["processed", "failed", "rejected", "expired", "aborted"]);

const CANCELS = [
  { to: "aborted", label: "Cancel upload", confirm: "Cancel this upload? Its parts in storage are discarded.", testId: "cancel-upload" },
  { to: "expired", label: "Expire now", confirm: "Mark this upload expired? Use this when its bytes will never come.", testId: "expire-upload" },
] as const;

/**
 * What an admin may do to the upload. Every button is always rendered, disabled with a reason
 * when the state does not allow it: a button that unmounted when its own action moved the
 * upload on (replay → processed within a second) would take its result message with it.
 */
export function UploadActions({ upload: u }: { upload: AdminUploadDetail["upload"] }) {
  const replayable = (REPLAYABLE as readonly string[]).includes(u.status);
  return (
    // biome-ignore lint/a11y/useSemanticElements: a toolbar of buttons, not a form; a fieldset would imply one.
    <div className="admin-toolbar" aria-label="Actions" role="group">
      <AdminActionButton
        url={`/api/admin/uploads/${u.id}/replay`}
        label="Replay"
        pendingLabel="Replaying…"
        describe="replay"
        disabled={!replayable}
        disabledReason={replayable ? undefined : `Only ${REPLAYABLE.join(", ")} uploads.`}
        testId="replay-upload"
      />
      {CANCELS.map((c) => (
        <AdminActionButton
          key={c.to}
          url={`/api/admin/uploads/${u.id}/cancel`}
          body={{ to: c.to }}
          label={c.label}
          confirm={c.confirm}
          variant="secondary"
          describe="cancel"
          disabled={u.status !== "pending"}
          disabledReason={u.status === "pending" ? undefined : "Only while pending."}
          testId={c.testId}
        />
      ))}
      <AdminActionButton
        url={`/api/admin/uploads/${u.id}/delete-object`}
        label="Delete object"
        confirm={`Delete ${u.storageKey} from the bucket? This cannot be undone.`}
        variant="danger"
        describe="delete"
        disabled={!SETTLED.has(u.status)}
        disabledReason={SETTLED.has(u.status) ? undefined : "Only once the upload has settled."}
        testId="delete-object"
      />
    </div>
  );
}
