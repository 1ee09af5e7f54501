import Link from "next/link";
import { PlanSelect } from "@/components/admin/plan-select";
import { formatDateTime } from "@/lib/admin/format";
import { decodePageCursor, encodePageCursor } from "@/lib/admin/page-cursor";
import type { SearchParams } from "@/lib/admin/parse-upload-filters";
import { requireAdminPage } from "@/lib/admin/require-admin";
import { listAdminUsers } from "@/lib/db/queries/admin-users";
import { PLANS } from "@/lib/plans/plans";

export default async function AdminUsersPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  await requireAdminPage();
  const sp = await searchParams;
  const q = typeof sp.q === "string" ? sp.q.slice(0, 200) : "";
  const cursorParam = typeof sp.cursor === "string" ? sp.cursor : undefined;
  const users = await listAdminUsers({ q, cursor: decodePageCursor(cursorParam), limit: 50 });
  const plans = Object.values(PLANS).map((p) => ({ id: p.id, label: p.label }));
  const qs = (cursor?: string) => `/admin/users?${new URLSearchParams({ ...(q ? { q } : {}), ...(cursor ? { cursor } : {}) })}`;

  return (
    <>
      <div className="admin-head">
        <h1>Users</h1>
      </div>
      <p className="admin-sub">A plan change applies to new uploads at once; uploads already created keep the plan they started under.</p>
      <form method="get" action="/admin/users" className="admin-filters" role="search" aria-label="Find users">
        <div className="wide">
          <label htmlFor="u-q">Email or name</label>
          <input id="u-q" type="text" name="q" defaultValue={q} />
        </div>
        <div className="actions">
          <button type="submit" className="button small">
            Search
          </button>
          {q ? <Link href="/admin/users">Reset</Link> : null}
        </div>
      </form>
      {users.rows.length ? (
        <div className="admin-table-wrap">
          <table className="admin-table" data-testid="admin-users">
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Plan</th>
                <th scope="col">Joined</th>
                <th scope="col">
                  <span className="visually-hidden">Links</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.rows.map((u) => (
                <tr key={u.id} data-testid="admin-user-row" data-email={u.email}>
                  <td className="admin-name">{u.email}</td>
                  <td className="admin-name">{u.name}</td>
                  <td>
                    <span className={`badge${u.role.split(",").includes("admin") ? " info" : ""}`}>{u.role}</span>
                    {u.banned ? <span className="badge bad">banned</span> : null}
                  </td>
                  <td>
                    <PlanSelect userId={u.id} email={u.email} plan={u.plan} plans={plans} />
                  </td>
                  <td className="admin-nowrap">{formatDateTime(u.createdAt)}</td>
                  <td className="admin-nowrap">
                    <Link href={`/admin/uploads?user=${encodeURIComponent(u.email)}`}>Uploads</Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="admin-note">No users match.</p>
      )}
      <nav aria-label="Pages" className="admin-pager">
        {cursorParam ? <Link href={qs()}>« Newest</Link> : null}
        {users.nextCursor ? <Link href={qs(encodePageCursor(users.nextCursor))}>Older users »</Link> : null}
      </nav>
    </>
  );
}
