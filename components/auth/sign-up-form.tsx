"use client";

import { AuthForm, formText, type ReadFields } from "./auth-form";

const MIN_PASSWORD = 8;

const readSignUp: ReadFields = (form) => {
  const name = formText(form, "name").trim();
  const email = formText(form, "email").trim();
  const password = formText(form, "password");
  if (!name || !email) return { error: "Enter your name and email." };
  if (password.length < MIN_PASSWORD) return { error: `Use at least ${MIN_PASSWORD} characters for your password.` };
  return { body: { name, email, password } };
};

/** better-auth signs the new account in, so the next page already has a session. */
export function SignUpForm({ next }: { next: string }) {
  return (
    <AuthForm endpoint="/api/auth/sign-up/email" next={next} read={readSignUp} submitLabel="Create account" busyLabel="Creating account…" testId="sign-up-form">
      <label htmlFor="sign-up-name">Name</label>
      {/* biome-ignore lint/a11y/noAutofocus: the form is the page's only purpose; focus saves a Tab. */}
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
    </AuthForm>
  );
}
