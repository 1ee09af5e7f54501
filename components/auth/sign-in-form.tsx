"use client";

import { AuthField, AuthForm, formText, type ReadFields } from "./auth-form";

const readSignIn: ReadFields = (form) => {
  const email = formText(form, "email").trim();
  const password = formText(form, "password");
  if (!email || !password) return { error: "Enter your email and password." };
  return { body: { email, password } };
};

export function SignInForm({ next }: { next: string }) {
  return (
    <AuthForm endpoint="/api/auth/sign-in/email" next={next} read={readSignIn} submitLabel="Sign in" busyLabel="Signing in…" testId="sign-in-form">
      <AuthField id="sign-in-email" label="Email" name="email" type="email" autoComplete="email" required autoFocus />
      <AuthField id="sign-in-password" label="Password" name="password" type="password" autoComplete="current-password" required />
    </AuthForm>
  );
}
