"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";

/** Changes a user's plan through PATCH /api/admin/users/:id. */
export function PlanSelect({ userId, email, plan, plans }: { userId: string; email: string; plan: string; plans: { id: string; label: string }[] }) {
  const router = useRouter();
  const [value, setValue] = useState(plan);
  const [busy, setBusy] = useState(false);
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);

  async function change(next: string) {
    const previous = value;
    setValue(next);
    setBusy(true);
    setError(null);
    try {
      const res = await fetch(`/api/admin/users/${encodeURIComponent(userId)}`, {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ plan: next }),
      });
      if (!res.ok) {
        const body = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
        setValue(previous);
        setError(body.error?.message ?? `Failed (${res.status}).`);
      } else startTransition(() => router.refresh());
    } catch {
      setValue(previous);
      setError("The request did not reach the server.");
    } finally {
      setBusy(false);
    }
  }

  return (
    <span className="admin-plan">
      <select aria-label={`Plan for ${email}`} value={value} disabled={busy || pending} onChange={(e) => change(e.target.value)} className="admin-select">
        {plans.map((p) => (
          <option key={p.id} value={p.id}>
            {p.label}
          </option>
        ))}
      </select>
      {error ? (
        <span role="alert" className="error-text">
          {error}
        </span>
      ) : null}
    </span>
  );
}
