import Link from "next/link";
import { AdminFilters, SelectFilter, TextFilter } from "@/components/admin/admin-filters";
import { AdminHead } from "@/components/admin/admin-head";
import { AdminPager } from "@/components/admin/admin-pager";
import { type Column, DataTable } from "@/components/admin/data-table";
import { UploadLink } from "@/components/admin/upload-link";
import { StatusBadge } from "@/components/uploads/status-badge";
import { formatBytes, formatDateTime } from "@/lib/admin/format";
import { getAdminUploadsPage } from "@/lib/admin/list-admin-uploads";
import { type SearchParams, uploadFiltersHref } from "@/lib/admin/parse-upload-filters";
import { requireAdminPage } from "@/lib/admin/require-admin";
import { ADMIN_TYPE_FAMILIES } from "@/lib/db/queries/admin-uploads";
import { UPLOAD_SOURCES, UPLOAD_STATUSES } from "@/lib/db/schema";

type UploadsPage = Awaited<ReturnType<typeof getAdminUploadsPage>>;
type UploadRow = UploadsPage["rows"][number];

function uploadColumns(f: UploadsPage["input"]): Column<UploadRow>[] {
  return [
    {
      header: "File",
      className: "admin-name",
      cell: (u) => <UploadLink id={u.id} name={u.name} />,
    },
    { header: "State", cell: (u) => <StatusBadge status={u.status} raw /> },
    { header: "Source", cell: (u) => u.source ?? <span className="muted">—</span> },
    {
      header: "Owner",
      className: "admin-ellipsis",
      cell: (u) => (
        <Link href={uploadFiltersHref(f, { user: u.ownerEmail ?? u.ownerId })} title={u.ownerEmail ?? u.ownerId}>
          {u.ownerEmail ?? u.ownerId}
        </Link>
      ),
    },
    {
      header: "Project",
      className: "admin-ellipsis",
      cell: (u) => (
        <Link href={uploadFiltersHref(f, { project: u.projectId })} title={u.projectId}>
          {u.projectName ?? u.projectId}
        </Link>
      ),
    },
    { header: "Type", className: "admin-mono admin-nowrap", cell: (u) => u.type },
    { header: "Size", num: true, cell: (u) => formatBytes(u.size) },
    { header: "Created", className: "admin-nowrap", cell: (u) => formatDateTime(u.createdAt) },
    { header: "Reason", className: "admin-reason", cell: (u) => u.reason ?? "" },
  ];
}

export default async function AdminUploadsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  await requireAdminPage();
  const page = await getAdminUploadsPage(await searchParams, { strict: false });
  const f = page.input;
  const filtered = Object.entries(f).some(([k, v]) => k !== "cursor" && v);

  return (
    <>
      <AdminHead title="Uploads" sub="Newest first. Search matches a file name anywhere, or an upload id from its start." />
      <AdminFilters action="/admin/uploads" label="Filter uploads" resetHref={filtered ? "/admin/uploads" : null}>
        <TextFilter id="f-q" name="q" label="Name or id" defaultValue={f.q} placeholder="holiday.mp4 or upl_0199…" wide />
        <SelectFilter id="f-status" name="status" label="State" defaultValue={f.status} options={UPLOAD_STATUSES} />
        <SelectFilter
          id="f-source"
          name="source"
          label="Trigger source"
          defaultValue={f.source}
          options={UPLOAD_SOURCES}
          extra={<option value="none">none (not confirmed)</option>}
        />
        <SelectFilter id="f-type" name="type" label="Type" defaultValue={f.type} options={ADMIN_TYPE_FAMILIES} />
        <TextFilter id="f-user" name="user" label="User (email or id)" defaultValue={f.user} wide />
        <TextFilter id="f-project" name="project" label="Project id" defaultValue={f.project} placeholder="prj_…" />
        <TextFilter id="f-from" name="from" label="Created from" type="date" defaultValue={f.from} />
        <TextFilter id="f-to" name="to" label="Created to" type="date" defaultValue={f.to} />
      </AdminFilters>

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

      <DataTable
        rows={page.rows}
        columns={uploadColumns(f)}
        rowKey={(u) => u.id}
        rowProps={(u) => ({ "data-testid": "admin-upload-row", "data-upload-id": u.id })}
        label="Uploads"
        testId="admin-uploads-table"
        empty="No uploads match."
        emptyTestId="admin-uploads-empty"
      />
      <AdminPager
        newestHref={f.cursor ? uploadFiltersHref(f) : null}
        olderHref={page.nextCursor ? uploadFiltersHref(f, { cursor: page.nextCursor }) : null}
        olderLabel="Older uploads"
        olderTestId="next-page"
        showEnd={page.rows.length > 0}
      />
    </>
  );
}
