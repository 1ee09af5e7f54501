"use client";

import { AuthField, AuthForm, formText, type ReadFields } from "./auth-form";

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
      <AuthField id="sign-up-name" label="Name" name="name" type="text" autoComplete="name" required autoFocus />
      <AuthField id="sign-up-email" label="Email" name="email" type="email" autoComplete="email" required />
      <AuthField
        id="sign-up-password"
        label="Password"
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
