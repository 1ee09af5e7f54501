import Link from "next/link";
import { AdminFilters, TextFilter } from "@/components/admin/admin-filters";
import { AdminHead } from "@/components/admin/admin-head";
import { AdminPager } from "@/components/admin/admin-pager";
import { type Column, DataTable } from "@/components/admin/data-table";
import { PlanSelect } from "@/components/admin/plan-select";
import { cursorParam } from "@/lib/admin/cursor-param";
import { formatDateTime } from "@/lib/admin/format";
import { decodePageCursor, encodePageCursor } from "@/lib/admin/page-cursor";
import type { SearchParams } from "@/lib/admin/parse-upload-filters";
import { requireAdminPage } from "@/lib/admin/require-admin";
import { listAdminUsers } from "@/lib/db/queries/admin-users";
import { formatBytes, getPlan, PLANS } from "@/lib/plans/plans";
import { getUsageByUser } from "@/lib/uploads/usage-storage";

type UserRow = Awaited<ReturnType<typeof listAdminUsers>>["rows"][number] & { storedBytes: number };

const PLAN_CHOICES = Object.values(PLANS).map((p) => ({ id: p.id, label: p.label }));

const COLUMNS: Column<UserRow>[] = [
  { header: "Email", className: "admin-name", cell: (u) => u.email },
  { header: "Name", className: "admin-name", cell: (u) => u.name },
  {
    header: "Role",
    cell: (u) => (
      <>
        <span className={`badge${u.role.split(",").includes("admin") ? " info" : ""}`}>{u.role}</span>
        {u.banned ? <span className="badge bad">banned</span> : null}
      </>
    ),
  },
  { header: "Plan", cell: (u) => <PlanSelect userId={u.id} email={u.email} plan={u.plan} plans={PLAN_CHOICES} /> },
  {
    header: "Storage",
    className: "admin-nowrap",
    cell: (u) => (
      <span data-testid="admin-user-storage">
        {formatBytes(u.storedBytes)} <span className="muted">of {formatBytes(getPlan(u.plan).storageQuota)}</span>
      </span>
    ),
  },
  { header: "Joined", className: "admin-nowrap", cell: (u) => formatDateTime(u.createdAt) },
  {
    header: "Links",
    hiddenHeader: true,
    className: "admin-nowrap",
    cell: (u) => <Link href={`/admin/uploads?user=${encodeURIComponent(u.email)}`}>Uploads</Link>,
  },
];

export default async function AdminUsersPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  await requireAdminPage();
  const sp = await searchParams;
  const q = typeof sp.q === "string" ? sp.q.slice(0, 200) : "";
  const cursor = cursorParam(sp);
  const users = await listAdminUsers({ q, cursor: decodePageCursor(cursor), limit: 50 });
  const usage = await getUsageByUser(users.rows.map((u) => u.id));
  const rows = users.rows.map((u) => ({ ...u, storedBytes: usage.get(u.id) ?? 0 }));
  const href = (next?: string) => `/admin/users?${new URLSearchParams({ ...(q ? { q } : {}), ...(next ? { cursor: next } : {}) })}`;

  return (
    <>
      <AdminHead title="Users" sub="A plan change applies to new uploads at once; uploads already created keep the plan they started under." />
      <AdminFilters action="/admin/users" label="Find users" submitLabel="Search" resetHref={q ? "/admin/users" : null}>
        <TextFilter id="u-q" name="q" label="Email or name" defaultValue={q} wide />
      </AdminFilters>
      <DataTable
        rows={rows}
        columns={COLUMNS}
        rowKey={(u) => u.id}
        rowProps={(u) => ({ "data-testid": "admin-user-row", "data-email": u.email })}
        label="Users"
        testId="admin-users"
        empty="No users match."
      />
      <AdminPager newestHref={cursor ? href() : null} olderHref={users.nextCursor ? href(encodePageCursor(users.nextCursor)) : null} olderLabel="Older users" />
    </>
  );
}
