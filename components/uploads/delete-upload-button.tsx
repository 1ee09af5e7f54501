"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { errorMessage } from "@/lib/client/api-client";
import { deleteUpload } from "@/lib/client/owner-files-api";

/** The owner's delete, with a confirm; afterwards the project's Files table, where the file no longer is. */
export function DeleteUploadButton({ uploadId, name, projectId }: { uploadId: string; name: string; projectId: string }) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function onDelete() {
    if (!window.confirm(`Delete "${name}"? This removes the stored file and its previews, and cannot be undone.`)) return;
    setBusy(true);
    setError(null);
    try {
      await deleteUpload(uploadId);
      router.push(`/projects/${projectId}`);
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  }

  return (
    <p className="delete-upload">
      <button type="button" className="button secondary small danger" onClick={onDelete} disabled={busy} data-testid="delete-upload">
        {busy ? "Deleting…" : "Delete file"}
      </button>
      {error && (
        <span className="error-text" role="alert">
          {" "}
          {error}
        </span>
      )}
    </p>
  );
}
