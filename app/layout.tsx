import type { Metadata } from "next";
import Link from "next/link";
import { SiteNav } from "@/components/site-nav";
import "./globals.css";

export const metadata: Metadata = {
  title: "Biblio",
  description: "Huge browser uploads, straight to storage, each turned into exactly one job.",
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="site-header">
          <Link href="/" className="brand">
            Biblio
          </Link>
          <nav aria-label="Main">
            <SiteNav />
          </nav>
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
