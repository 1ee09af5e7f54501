"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

const LINKS = [
  { href: "/admin", label: "Overview" },
  { href: "/admin/uploads", label: "Uploads" },
  { href: "/admin/jobs", label: "Jobs & DLQ" },
  { href: "/admin/triggers", label: "Triggers" },
  { href: "/admin/sweeps", label: "Sweeps" },
  { href: "/admin/health", label: "Health" },
  { href: "/admin/orphans", label: "Orphans" },
  { href: "/admin/users", label: "Users" },
  { href: "/admin/audit", label: "Audit" },
];

export function AdminNav() {
  const pathname = usePathname();
  return (
    <nav aria-label="Admin" className="admin-nav">
      {LINKS.map((l) => {
        const active = l.href === "/admin" ? pathname === "/admin" : pathname.startsWith(l.href);
        return (
          <Link key={l.href} href={l.href} aria-current={active ? "page" : undefined}>
            {l.label}
          </Link>
        );
      })}
    </nav>
  );
}
