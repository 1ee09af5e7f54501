"use client";

import { useCallback, useState } from "react";
import { errorMessage } from "@/lib/client/api-client";
import type { UploadView } from "@/lib/client/upload-types";
import { listProjectUploads } from "@/lib/client/uploads-api";
import { FilesTable } from "./files-table";
import { mergeLiveUploads } from "./merge-live-uploads";
import { useUploadChanges } from "./use-upload-changes";

type Props = {
  projectId: string;
  /** The first page, rendered by the server; a router refresh replaces it. */
  uploads: UploadView[];
  nextCursor: string | null;
  /** The server's time just before it read the first page: live changes are followed from there. */
  liveSince: string;
  pageSize?: number;
};

export function ProjectFiles({ projectId, uploads, nextCursor, liveSince, pageSize = 50 }: Props) {
  const [more, setMore] = useState<{ firstPageCursor: string | null; uploads: UploadView[]; cursor: string | null }>({
    firstPageCursor: nextCursor,
    uploads: [],
    cursor: nextCursor,
  });
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState<ReadonlyMap<string, UploadView>>(() => new Map());
  const onChanges = useCallback((changed: UploadView[]) => {
    setLive((current) => {
      const next = new Map(current);
      for (const upload of changed) next.set(upload.id, upload);
      return next;
    });
  }, []);
  useUploadChanges(projectId, liveSince, onChanges);

  // A refreshed first page starts the "older files" list over.
  const current = more.firstPageCursor === nextCursor ? more : { firstPageCursor: nextCursor, uploads: [], cursor: nextCursor };
  const firstIds = new Set(uploads.map((u) => u.id));
  const all = mergeLiveUploads([...uploads, ...current.uploads.filter((u) => !firstIds.has(u.id))], live, Boolean(current.cursor));

  async function loadMore() {
    if (!current.cursor) return;
    setLoading(true);
    setError(null);
    try {
      const page = await listProjectUploads(projectId, current.cursor, pageSize);
      setMore({ firstPageCursor: nextCursor, uploads: [...current.uploads, ...page.uploads], cursor: page.nextCursor });
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setLoading(false);
    }
  }

  return (
    <div>
      <FilesTable uploads={all} caption="Files in this project" />
      {current.cursor && (
        <p>
          <button type="button" className="button secondary" onClick={loadMore} disabled={loading} data-testid="files-load-more">
            {loading ? "Loading…" : "Show older files"}
          </button>
        </p>
      )}
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
