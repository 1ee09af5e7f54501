"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";

type Props = {
  url: string;
  method?: "POST" | "PATCH";
  body?: unknown;
  label: string;
  pendingLabel?: string;
  /** Asked with window.confirm first; for actions that lose data. */
  confirm?: string;
  variant?: "primary" | "secondary" | "danger";
  disabled?: boolean;
  disabledReason?: string;
  /** Renders the success message from the JSON answer. */
  describe?: "replay" | "cancel" | "delete" | "sweep" | "cleanup" | "discard";
  testId?: string;
};

function summarise(kind: Props["describe"], body: Record<string, unknown>): string {
  switch (kind) {
    case "replay":
      return `Replayed ${body.replayed ?? 0}${body.failed ? `, ${body.failed} refused` : ""}.`;
    case "cancel":
      return `Now ${body.status}.${body.multipartAborted ? " Multipart upload aborted." : ""}`;
    case "delete":
      return body.existed ? "Object deleted." : "The object was already gone; noted on the timeline.";
    case "sweep": {
      const counts = (body.counts ?? {}) as Record<string, number>;
      const done = Object.entries(counts)
        .filter(([, v]) => v)
        .map(([k, v]) => `${k.replaceAll("_", " ")} ${v}`);
      return `Sweep ${body.status}${done.length ? `: ${done.join(", ")}` : ", nothing to do"}.`;
    }
    case "cleanup":
      return `Aborted ${body.abortedMultipart ?? 0} multipart upload(s), deleted ${body.deletedObjects ?? 0} object(s).`;
    case "discard":
      return `Discarded ${body.dlqDeleted ?? 0} DLQ entr${body.dlqDeleted === 1 ? "y" : "ies"}.`;
    default:
      return "Done.";
  }
}

/** Posts one admin action to its route, then refreshes the server-rendered page. */
export function AdminActionButton(props: Props) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  async function act() {
    if (props.confirm && !window.confirm(props.confirm)) return;
    setBusy(true);
    setMessage(null);
    try {
      const res = await fetch(props.url, {
        method: props.method ?? "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(props.body ?? {}),
      });
      const json = (await res.json().catch(() => ({}))) as Record<string, unknown> & { error?: { message?: string } };
      if (!res.ok) setMessage({ ok: false, text: json.error?.message ?? `Failed (${res.status}).` });
      else {
        setMessage({ ok: true, text: summarise(props.describe, json) });
        startTransition(() => router.refresh());
      }
    } catch {
      setMessage({ ok: false, text: "The request did not reach the server." });
    } finally {
      setBusy(false);
    }
  }

  const working = busy || pending;
  const className = `button small${props.variant === "secondary" ? " secondary" : ""}${props.variant === "danger" ? " danger" : ""}`;
  return (
    <span className="admin-action">
      <button type="button" className={className} onClick={act} disabled={props.disabled || working} title={props.disabledReason} data-testid={props.testId}>
        {working ? (props.pendingLabel ?? "Working…") : props.label}
      </button>
      {props.disabled && props.disabledReason ? <span className="muted admin-action-note">{props.disabledReason}</span> : null}
      {message ? (
        <span role="status" className={message.ok ? "admin-action-ok" : "error-text admin-action-note"}>
          {message.text}
        </span>
      ) : null}
    </span>
  );
}
