import Link from "next/link";
import { StateBadge } from "@/components/admin/state-badge";
import { formatBytes, formatDateTime } from "@/lib/admin/format";
import { getAdminUploadsPage } from "@/lib/admin/list-admin-uploads";
import { uploadFiltersHref, type SearchParams } from "@/lib/admin/parse-upload-filters";
import { requireAdminPage } from "@/lib/admin/require-admin";
import { ADMIN_TYPE_FAMILIES } from "@/lib/db/queries/admin-uploads";
import { UPLOAD_SOURCES, UPLOAD_STATUSES } from "@/lib/db/schema";

export default async function AdminUploadsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  await requireAdminPage();
  const page = await getAdminUploadsPage(await searchParams, { strict: false });
  const f = page.input;
  const filtered = Object.entries(f).some(([k, v]) => k !== "cursor" && v);

  return (
    <>
      <div className="admin-head">
        <h1>Uploads</h1>
      </div>
      <p className="admin-sub">Newest first. Search matches a file name anywhere, or an upload id from its start.</p>

      <form method="get" action="/admin/uploads" className="admin-filters" role="search" aria-label="Filter uploads">
        <div className="wide">
          <label htmlFor="f-q">Name or id</label>
          <input id="f-q" type="text" name="q" defaultValue={f.q ?? ""} placeholder="holiday.mp4 or upl_0199…" />
        </div>
        <div>
          <label htmlFor="f-status">State</label>
          <select id="f-status" name="status" defaultValue={f.status ?? ""}>
            <option value="">Any</option>
            {UPLOAD_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="f-source">Trigger source</label>
          <select id="f-source" name="source" defaultValue={f.source ?? ""}>
            <option value="">Any</option>
            {UPLOAD_SOURCES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
            <option value="none">none (not confirmed)</option>
          </select>
        </div>
        <div>
          <label htmlFor="f-type">Type</label>
          <select id="f-type" name="type" defaultValue={f.type ?? ""}>
            <option value="">Any</option>
            {ADMIN_TYPE_FAMILIES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </div>
        <div className="wide">
          <label htmlFor="f-user">User (email or id)</label>
          <input id="f-user" type="text" name="user" defaultValue={f.user ?? ""} />
        </div>
        <div>
          <label htmlFor="f-project">Project id</label>
          <input id="f-project" type="text" name="project" defaultValue={f.project ?? ""} placeholder="prj_…" />
        </div>
        <div>
          <label htmlFor="f-from">Created from</label>
          <input id="f-from" type="date" name="from" defaultValue={f.from ?? ""} />
        </div>
        <div>
          <label htmlFor="f-to">Created to</label>
          <input id="f-to" type="date" name="to" defaultValue={f.to ?? ""} />
        </div>
        <div className="actions">
          <button type="submit" className="button small">
            Apply
          </button>
          {filtered ? <Link href="/admin/uploads">Reset</Link> : null}
        </div>
      </form>

      {page.invalid.length ? (
        <p className="admin-alert" role="alert">
          Ignored invalid filter{page.invalid.length === 1 ? "" : "s"}: {page.invalid.join(", ")}.
        </p>
      ) : null}
      {page.unknownUser ? (
        <p className="admin-alert" role="alert">
          No user has the email or id “{f.user}”.
        </p>
      ) : null}

      {page.rows.length ? (
        <div className="admin-table-wrap">
          <table className="admin-table" data-testid="admin-uploads-table">
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">State</th>
                <th scope="col">Source</th>
                <th scope="col">Owner</th>
                <th scope="col">Project</th>
                <th scope="col">Type</th>
                <th scope="col" className="admin-num">Size</th>
                <th scope="col">Created</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {page.rows.map((u) => (
                <tr key={u.id} data-testid="admin-upload-row" data-upload-id={u.id}>
                  <td className="admin-name">
                    <Link href={`/admin/uploads/${u.id}`}>{u.name}</Link>
                    <div className="muted admin-mono">{u.id}</div>
                  </td>
                  <td>
                    <StateBadge status={u.status} />
                  </td>
                  <td>{u.source ?? <span className="muted">—</span>}</td>
                  <td className="admin-ellipsis" title={u.ownerEmail ?? u.ownerId}>
                    <Link href={uploadFiltersHref(f, { user: u.ownerEmail ?? u.ownerId })}>{u.ownerEmail ?? u.ownerId}</Link>
                  </td>
                  <td className="admin-ellipsis" title={u.projectId}>
                    <Link href={uploadFiltersHref(f, { project: u.projectId })}>{u.projectName ?? u.projectId}</Link>
                  </td>
                  <td className="admin-mono admin-nowrap">{u.type}</td>
                  <td className="admin-num">{formatBytes(u.size)}</td>
                  <td className="admin-nowrap">{formatDateTime(u.createdAt)}</td>
                  <td className="admin-reason">{u.reason ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="admin-note" data-testid="admin-uploads-empty">
          No uploads match.
        </p>
      )}

      <nav aria-label="Pages" className="admin-pager">
        {f.cursor ? <Link href={uploadFiltersHref(f)}>« Newest</Link> : null}
        {page.nextCursor ? (
          <Link href={uploadFiltersHref(f, { cursor: page.nextCursor })} data-testid="next-page">
            Older uploads »
          </Link>
        ) : page.rows.length ? (
          <span className="muted">End of the list.</span>
        ) : null}
      </nav>
    </>
  );
}
