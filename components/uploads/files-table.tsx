import Link from "next/link";
import type { UploadView } from "@/lib/client/upload-types";
import { formatBytes } from "@/lib/plans/plans";
import { LocalTime } from "./local-time";
import { StatusBadge } from "./status-badge";

/** A project's uploads, newest first; each name opens the upload's own page. */
export function FilesTable({ uploads, caption }: { uploads: UploadView[]; caption?: string }) {
  if (!uploads.length) {
    return (
      <p className="muted" data-testid="files-empty">
        No files in this project yet.
      </p>
    );
  }
  return (
    <div className="table-scroll">
      <table className="files-table" data-testid="files-table">
        {caption && <caption className="visually-hidden">{caption}</caption>}
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">
              Size
            </th>
            <th scope="col">Type</th>
            <th scope="col">Added</th>
          </tr>
        </thead>
        <tbody>
          {uploads.map((upload) => (
            <tr key={upload.id} data-testid="file-row" data-status={upload.status} data-upload-id={upload.id}>
              <td className="file-name">
                <Link href={`/uploads/${upload.id}`} prefetch={false}>
                  {upload.name}
                </Link>
              </td>
              <td>
                <StatusBadge status={upload.status} />
              </td>
              <td className="num">{formatBytes(upload.size)}</td>
              <td>{upload.realType ?? upload.type}</td>
              <td>{upload.createdAt ? <LocalTime value={upload.createdAt} /> : "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
