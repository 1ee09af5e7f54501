import type { Metadata } from "next";
import Link from "next/link";
import { SignInForm } from "@/components/auth/sign-in-form";
import { redirectIfSignedIn } from "@/lib/auth/redirect-if-signed-in";

export const metadata: Metadata = { title: "Sign in · Biblio" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string | string[] }> }) {
  const next = await redirectIfSignedIn(searchParams);
  return (
    <div className="auth-page">
      <h1>Sign in</h1>
      <p className="muted">Welcome back. Your projects and uploads are waiting.</p>
      <SignInForm next={next} />
      <p>
        New to Biblio? <Link href={`/sign-up?next=${encodeURIComponent(next)}`}>Create an account</Link>
      </p>
    </div>
  );
}
