import Link from "next/link";

/** An upload in an admin list: its name, linking to the detail page, over its id. */
export function UploadLink({ id, name }: { id: string; name: string }) {
  return (
    <>
      <Link href={`/admin/uploads/${id}`}>{name}</Link>
      <div className="muted admin-mono">{id}</div>
    </>
  );
}
