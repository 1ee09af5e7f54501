"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { apiRequest } from "@/lib/client/api-client";
import { authErrorMessage } from "./auth-errors";
import { useHydrated } from "./use-hydrated";

const MIN_PASSWORD = 8;

export function SignUpForm({ next }: { next: string }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const hydrated = useHydrated();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const name = String(form.get("name") ?? "").trim();
    const email = String(form.get("email") ?? "").trim();
    const password = String(form.get("password") ?? "");
    if (!name || !email) {
      setError("Enter your name and email.");
      return;
    }
    if (password.length < MIN_PASSWORD) {
      setError(`Use at least ${MIN_PASSWORD} characters for your password.`);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      // better-auth signs the new account in, so the next page already has a session.
      await apiRequest("/api/auth/sign-up/email", { method: "POST", body: { name, email, password } });
      router.replace(next);
      router.refresh();
    } catch (e) {
      setError(authErrorMessage(e));
      setBusy(false);
    }
  }

  return (
    <form className="auth-form card" method="post" onSubmit={onSubmit} noValidate aria-busy={busy || undefined} data-testid="sign-up-form">
      <label htmlFor="sign-up-name">Name</label>
      <input id="sign-up-name" name="name" type="text" autoComplete="name" required autoFocus />
      <label htmlFor="sign-up-email">Email</label>
      <input id="sign-up-email" name="email" type="email" autoComplete="email" required />
      <label htmlFor="sign-up-password">Password</label>
      <input
        id="sign-up-password"
        name="password"
        type="password"
        autoComplete="new-password"
        minLength={MIN_PASSWORD}
        required
        aria-describedby="sign-up-password-hint"
      />
      <p id="sign-up-password-hint" className="muted field-hint">
        At least {MIN_PASSWORD} characters.
      </p>
      {error && (
        <p className="error-text" role="alert" data-testid="auth-error">
          {error}
        </p>
      )}
      <button type="submit" className="button" disabled={busy || !hydrated}>
        {busy ? "Creating account…" : "Create account"}
      </button>
    </form>
  );
}
