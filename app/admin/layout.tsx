import type { Metadata } from "next";
import { AdminNav } from "@/components/admin/admin-nav";
import { requireAdminPage } from "@/lib/admin/require-admin";
import "./admin.css";

export const metadata: Metadata = { title: "Admin · Biblio" };

export default async function AdminLayout({ children }: { children: React.ReactNode }) {
  await requireAdminPage();
  return (
    <div className="admin">
      <AdminNav />
      {children}
    </div>
  );
}
