"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { apiRequest } from "@/lib/client/api-client";
import { authErrorMessage } from "./auth-errors";
import { useHydrated } from "./use-hydrated";

export function SignInForm({ next }: { next: string }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const hydrated = useHydrated();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get("email") ?? "").trim();
    const password = String(form.get("password") ?? "");
    if (!email || !password) {
      setError("Enter your email and password.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await apiRequest("/api/auth/sign-in/email", { method: "POST", body: { email, password } });
      router.replace(next);
      router.refresh();
    } catch (e) {
      setError(authErrorMessage(e));
      setBusy(false);
    }
  }

  return (
    <form className="auth-form card" method="post" onSubmit={onSubmit} noValidate aria-busy={busy || undefined} data-testid="sign-in-form">
      <label htmlFor="sign-in-email">Email</label>
      <input id="sign-in-email" name="email" type="email" autoComplete="email" required autoFocus />
      <label htmlFor="sign-in-password">Password</label>
      <input id="sign-in-password" name="password" type="password" autoComplete="current-password" required />
      {error && (
        <p className="error-text" role="alert" data-testid="auth-error">
          {error}
        </p>
      )}
      <button type="submit" className="button" disabled={busy || !hydrated}>
        {busy ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}
