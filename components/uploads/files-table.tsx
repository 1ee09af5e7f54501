"use client";

import Link from "next/link";
import { useState } from "react";
import { errorMessage } from "@/lib/client/api-client";
import { deleteUploads } from "@/lib/client/owner-files-api";
import type { UploadView } from "@/lib/client/upload-types";
import { formatBytes } from "@/lib/plans/plans";
import { LocalTime } from "./local-time";
import { StatusBadge } from "./status-badge";

/** A listed file: the list route adds a signed thumbnail URL where the file has one. */
export type FileRow = UploadView & { thumbnailUrl?: string | null };

/** The worker is reading it: deleting is refused until processing ends (lib/uploads/delete-upload.ts). */
const canSelect = (upload: FileRow) => upload.status !== "processing" && upload.status !== "deleted";

/** A project's uploads, newest first; each name opens the upload's own page. Rows can be selected and deleted together. */
export function FilesTable({ uploads, caption }: { uploads: FileRow[]; caption?: string }) {
  const [selected, setSelected] = useState<ReadonlySet<string>>(() => new Set());
  const [removed, setRemoved] = useState<ReadonlySet<string>>(() => new Set());
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<{ text: string; error: boolean } | null>(null);

  const rows = uploads.filter((u) => !removed.has(u.id));
  const selectable = rows.filter(canSelect);
  const chosen = selectable.filter((u) => selected.has(u.id));
  const allChosen = selectable.length > 0 && chosen.length === selectable.length;

  if (!rows.length) {
    return (
      <p className="muted" data-testid="files-empty">
        No files in this project yet.
      </p>
    );
  }

  const toggle = (id: string, on: boolean) =>
    setSelected((current) => {
      const next = new Set(current);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });

  async function deleteChosen() {
    const count = chosen.length;
    if (
      !count ||
      !window.confirm(`Delete ${count === 1 ? `"${chosen[0]!.name}"` : `${count} files`}? This removes the stored file and its previews, and cannot be undone.`)
    )
      return;
    setBusy(true);
    setNotice(null);
    try {
      const { results, deleted } = await deleteUploads(chosen.map((u) => u.id));
      const gone = results.filter((r) => r.outcome === "deleted").map((r) => r.id);
      setRemoved((current) => new Set([...current, ...gone]));
      setSelected(new Set());
      const refused = results.filter((r) => r.outcome !== "deleted");
      setNotice({
        text: `Deleted ${deleted} file${deleted === 1 ? "" : "s"}.${refused.length ? ` ${refused.length} could not be deleted: ${refused[0]!.message ?? "not found"}` : ""}`,
        error: refused.length > 0,
      });
    } catch (error) {
      setNotice({ text: errorMessage(error), error: true });
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="files">
      <div className="files-actions">
        <button
          type="button"
          className="button secondary small danger"
          onClick={deleteChosen}
          disabled={busy || !chosen.length}
          data-testid="files-delete-selected"
        >
          {busy ? "Deleting…" : chosen.length ? `Delete selected (${chosen.length})` : "Delete selected"}
        </button>
        {notice && (
          <span className={notice.error ? "error-text" : "muted"} role="status" data-testid="files-notice">
            {notice.text}
          </span>
        )}
      </div>
      <div className="table-scroll">
        <table className="files-table" data-testid="files-table">
          {caption && <caption className="visually-hidden">{caption}</caption>}
          <thead>
            <tr>
              <th scope="col" className="select-cell">
                <input
                  type="checkbox"
                  aria-label="Select all files"
                  checked={allChosen}
                  disabled={!selectable.length}
                  onChange={(e) => setSelected(e.target.checked ? new Set(selectable.map((u) => u.id)) : new Set())}
                  data-testid="files-select-all"
                />
              </th>
              <th scope="col" className="thumb-cell">
                <span className="visually-hidden">Preview</span>
              </th>
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
            {rows.map((upload) => (
              <tr key={upload.id} data-testid="file-row" data-status={upload.status} data-upload-id={upload.id}>
                <td className="select-cell">
                  <input
                    type="checkbox"
                    aria-label={`Select ${upload.name}`}
                    checked={selected.has(upload.id)}
                    disabled={!canSelect(upload)}
                    title={canSelect(upload) ? undefined : "Being processed: it can be deleted once processing ends."}
                    onChange={(e) => toggle(upload.id, e.target.checked)}
                    data-testid="file-select"
                  />
                </td>
                <td className="thumb-cell">
                  {upload.thumbnailUrl ? (
                    // biome-ignore lint/performance/noImgElement: a signed S3 URL, not an asset next/image could optimise.
                    <img src={upload.thumbnailUrl} alt="" className="file-thumb" loading="lazy" decoding="async" data-testid="file-thumb" />
                  ) : (
                    <span className="file-thumb placeholder" aria-hidden="true" />
                  )}
                </td>
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
    </div>
  );
}
