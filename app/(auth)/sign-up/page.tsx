import type { Metadata } from "next";
import Link from "next/link";
import { SignUpForm } from "@/components/auth/sign-up-form";
import { redirectIfSignedIn } from "@/lib/auth/redirect-if-signed-in";
import { formatBytes, PLANS } from "@/lib/plans/plans";

export const metadata: Metadata = { title: "Create an account · Biblio" };

export default async function SignUpPage({ searchParams }: { searchParams: Promise<{ next?: string | string[] }> }) {
  const next = await redirectIfSignedIn(searchParams);
  return (
    <div className="auth-page">
      <h1>Create an account</h1>
      <p className="muted">
        New accounts start on the {PLANS.free.label} plan: files up to {formatBytes(PLANS.free.maxFileSize)} each.
      </p>
      <SignUpForm next={next} />
      <p>
        Already have an account? <Link href={`/sign-in?next=${encodeURIComponent(next)}`}>Sign in</Link>
      </p>
    </div>
  );
}
