"use client";

import { AuthForm, formText, type ReadFields } from "./auth-form";

const readSignIn: ReadFields = (form) => {
  const email = formText(form, "email").trim();
  const password = formText(form, "password");
  if (!email || !password) return { error: "Enter your email and password." };
  return { body: { email, password } };
};

export function SignInForm({ next }: { next: string }) {
  return (
    <AuthForm endpoint="/api/auth/sign-in/email" next={next} read={readSignIn} submitLabel="Sign in" busyLabel="Signing in…" testId="sign-in-form">
      <label htmlFor="sign-in-email">Email</label>
      {/* biome-ignore lint/a11y/noAutofocus: the form is the page's only purpose; focus saves a Tab. */}
      <input id="sign-in-email" name="email" type="email" autoComplete="email" required autoFocus />
      <label htmlFor="sign-in-password">Password</label>
      <input id="sign-in-password" name="password" type="password" autoComplete="current-password" required />
    </AuthForm>
  );
}
