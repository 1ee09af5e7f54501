"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { formatDateTime } from "@/lib/admin/format";
import { type Column, DataTable } from "./data-table";
import { UploadLink } from "./upload-link";

export type FailedJobItem = {
  id: string;
  name: string;
  ownerEmail: string | null;
  plan: string;
  failedAt: string | null;
  reason: string | null;
  attempts: number;
  lastError: string | null;
  dlqIds: string[];
};

type Outcome = { ok: boolean; text: string };

/** Failed jobs with row selection; replay or discard the selection through the admin API. */
export function FailedJobsTable({ items, dlqReadable }: { items: FailedJobItem[]; dlqReadable: boolean }) {
  const router = useRouter();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [pending, startTransition] = useTransition();
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const allChecked = items.length > 0 && items.every((i) => selected.has(i.id));

  function toggle(id: string) {
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }

  async function send(kind: "replay" | "discard", ids: string[]) {
    if (!ids.length) return;
    if (kind === "discard" && !window.confirm(`Discard ${ids.length} dead-lettered job(s)? Their DLQ entries are deleted and they are not retried.`)) return;
    setBusy(true);
    setOutcome(null);
    try {
      const res = await fetch(`/api/admin/jobs/${kind}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ uploadIds: ids }),
      });
      const body = (await res.json().catch(() => ({}))) as {
        replayed?: number;
        failed?: number;
        dlqDeleted?: number;
        results?: { uploadId: string; ok: boolean; message: string | null }[];
        error?: { message?: string };
      };
      if (!res.ok) setOutcome({ ok: false, text: body.error?.message ?? `Failed (${res.status}).` });
      else if (kind === "replay") {
        const refused = (body.results ?? []).filter((r) => !r.ok);
        setOutcome({
          ok: refused.length === 0,
          text: `Replayed ${body.replayed ?? 0} job(s).${refused.length ? ` Refused: ${refused.map((r) => `${r.uploadId} (${r.message})`).join("; ")}` : ""}`,
        });
      } else setOutcome({ ok: true, text: `Discarded ${body.dlqDeleted ?? 0} DLQ entr${body.dlqDeleted === 1 ? "y" : "ies"}.` });
      setSelected(new Set());
      startTransition(() => router.refresh());
    } catch {
      setOutcome({ ok: false, text: "The request did not reach the server." });
    } finally {
      setBusy(false);
    }
  }

  const working = busy || pending;
  const ids = [...selected];
  const columns: Column<FailedJobItem>[] = [
    {
      header: (
        <input
          type="checkbox"
          aria-label="Select all"
          checked={allChecked}
          onChange={() => setSelected(allChecked ? new Set() : new Set(items.map((i) => i.id)))}
        />
      ),
      cell: (i) => <input type="checkbox" aria-label={`Select ${i.name}`} checked={selected.has(i.id)} onChange={() => toggle(i.id)} />,
    },
    {
      header: "File",
      className: "admin-name",
      cell: (i) => <UploadLink id={i.id} name={i.name} />,
    },
    {
      header: "Owner",
      cell: (i) => (
        <>
          {i.ownerEmail ?? "—"} <span className="badge">{i.plan}</span>
        </>
      ),
    },
    { header: "Failed", className: "admin-nowrap", cell: (i) => formatDateTime(i.failedAt) },
    {
      header: "Reason",
      className: "admin-reason",
      cell: (i) => (
        <>
          {i.reason ?? "—"}
          {i.lastError && i.lastError !== i.reason ? <div className="muted">last attempt: {i.lastError}</div> : null}
        </>
      ),
    },
    { header: "Attempts", cell: (i) => i.attempts },
    {
      header: "DLQ",
      cell: (i) =>
        i.dlqIds.length ? (
          <span className="badge bad" title={i.dlqIds.join(", ")}>
            in DLQ
          </span>
        ) : (
          <span className="badge">not in DLQ</span>
        ),
    },
    {
      header: "Actions",
      hiddenHeader: true,
      cell: (i) => (
        <button type="button" className="button small" disabled={working} onClick={() => send("replay", [i.id])} data-testid="replay-one">
          Replay
        </button>
      ),
    },
  ];
  return (
    <div className="admin-failed">
      <div className="admin-toolbar">
        <button type="button" className="button small" disabled={!ids.length || working} onClick={() => send("replay", ids)} data-testid="replay-selected">
          Replay selected ({ids.length})
        </button>
        <button
          type="button"
          className="button small secondary"
          disabled={!ids.length || working || !dlqReadable}
          title={dlqReadable ? undefined : "The DLQ cannot be read right now"}
          onClick={() => send("discard", ids)}
          data-testid="discard-selected"
        >
          Discard selected
        </button>
        {working ? <span className="muted">Working…</span> : null}
        {outcome ? (
          <span role="status" className={outcome.ok ? "admin-action-ok" : "error-text"}>
            {outcome.text}
          </span>
        ) : null}
      </div>
      <DataTable
        rows={items}
        columns={columns}
        rowKey={(i) => i.id}
        rowProps={(i) => ({ "data-testid": "failed-job-row", "data-upload-id": i.id })}
        label="Failed jobs"
      />
    </div>
  );
}
