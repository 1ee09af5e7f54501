"use client";

import { useRouter } from "next/navigation";
import { type FormEvent, type InputHTMLAttributes, type ReactNode, useState } from "react";
import { safeNextPath } from "@/lib/auth/safe-next-path";
import { apiRequest } from "@/lib/client/api-client";
import { authErrorMessage } from "./auth-errors";
import { useHydrated } from "./use-hydrated";

/** What a form's fields mean: the JSON body to send, or a message to show instead. */
export type ReadFields = (form: FormData) => { body: Record<string, string> } | { error: string };

/** The sign-in and sign-up forms: submit to better-auth, show its error, then go to `next`. */
export function AuthForm(props: {
  endpoint: string;
  next: string;
  read: ReadFields;
  submitLabel: string;
  busyLabel: string;
  testId: string;
  children: ReactNode;
}) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const hydrated = useHydrated();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const fields = props.read(new FormData(event.currentTarget));
    if ("error" in fields) {
      setError(fields.error);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await apiRequest(props.endpoint, { method: "POST", body: fields.body });
      router.replace(safeNextPath(props.next));
      router.refresh();
    } catch (e) {
      setError(authErrorMessage(e));
      setBusy(false);
    }
  }

  return (
    <form className="auth-form card" method="post" onSubmit={onSubmit} noValidate aria-busy={busy || undefined} data-testid={props.testId}>
      {props.children}
      {error && (
        <p className="error-text" role="alert" data-testid="auth-error">
          {error}
        </p>
      )}
      <button type="submit" className="button" disabled={busy || !hydrated}>
        {busy ? props.busyLabel : props.submitLabel}
      </button>
    </form>
  );
}

export function formText(form: FormData, name: string): string {
  return String(form.get(name) ?? "");
}

/**
 * One labelled input of an auth form. Each form autofocuses its first field: the form is
 * its page's only purpose, so focus saves a Tab.
 */
export function AuthField({ label, ...input }: { id: string; label: string } & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <>
      <label htmlFor={input.id}>{label}</label>
      <input {...input} />
    </>
  );
}
