import type { Metadata } from "next";
import Link from "next/link";

export const metadata: Metadata = { title: "Not found · Biblio" };

/** Every 404 (a missing page, someone else's upload, an admin page for a non-admin) looks like the rest of the site. */
export default function NotFound() {
  return (
    <div className="auth-page" data-testid="not-found">
      <h1>Page not found</h1>
      <p className="muted">This page does not exist, or it belongs to someone else.</p>
      <p>
        <Link href="/projects">Go to your projects</Link> or <Link href="/">the home page</Link>.
      </p>
    </div>
  );
}
