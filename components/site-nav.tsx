import { headers } from "next/headers";
import Link from "next/link";
import { getSessionUser, type SessionUser } from "@/lib/auth/session";
import { getPlan } from "@/lib/plans/plans";
import { SignOutButton } from "./auth/sign-out-button";

async function currentUser(): Promise<SessionUser | null> {
  // Outside the try: headers() signals dynamic rendering by throwing, and that must reach Next.
  const requestHeaders = await headers();
  try {
    return await getSessionUser(requestHeaders);
  } catch (error) {
    // The header must still render when auth is unreachable; the pages themselves will fail loudly.
    console.error("[site-nav] could not read the session", error);
    return null;
  }
}

/** The header's links: what a visitor can do, or who is signed in and on which plan. */
export async function SiteNav() {
  const user = await currentUser();
  if (!user) {
    return (
      <>
        <Link href="/sign-in">Sign in</Link>
        <Link href="/sign-up" className="button small">
          Sign up
        </Link>
      </>
    );
  }
  const plan = getPlan(user.plan);
  return (
    <>
      <Link href="/projects">Projects</Link>
      {user.role === "admin" && (
        <>
          <Link href="/admin">Admin</Link>
          <a href="/admin/health">Health</a>
        </>
      )}
      <span className="nav-user" data-testid="nav-user">
        <span className="nav-email">{user.email}</span>{" "}
        <span className={`badge${plan.id === "pro" ? " ok" : ""}`} data-testid="plan-badge">
          {plan.label}
        </span>
      </span>
      <SignOutButton />
    </>
  );
}
