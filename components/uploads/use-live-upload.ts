"use client";

import { useCallback, useRef, useState } from "react";
import { ApiRequestError, errorMessage } from "@/lib/client/api-client";
import type { UploadEvent, UploadView } from "@/lib/client/upload-types";
import { getUpload } from "@/lib/client/uploads-api";
import { useUploadChanges } from "./use-upload-changes";

type Detail = { upload: UploadView; events: UploadEvent[] };

/**
 * One upload's page data, kept current: the project's change stream says when this
 * upload moved (one small query per 2 s), and only then is the whole view, timeline
 * included, fetched again.
 */
export function useLiveUpload<T extends Detail>(initial: T, liveSince: string) {
  const [data, setData] = useState(initial);
  const [pollError, setPollError] = useState<string | null>(null);
  const id = initial.upload.id;
  const fetching = useRef<AbortController | null>(null);

  const onChanges = useCallback(
    async (changed: UploadView[]) => {
      const mine = changed.find((u) => u.id === id);
      if (!mine) return;
      setData((current) => ({ ...current, upload: mine }));
      fetching.current?.abort();
      const controller = new AbortController();
      fetching.current = controller;
      try {
        const next = await getUpload(id, controller.signal);
        setData((current) => ({ ...current, ...next }));
        setPollError(null);
      } catch (error) {
        if (controller.signal.aborted) return;
        const permanent = error instanceof ApiRequestError && error.status >= 400 && error.status < 500 && error.status !== 429;
        setPollError(permanent ? errorMessage(error) : "Lost contact with Biblio; the timeline may be behind.");
      }
    },
    [id],
  );
  useUploadChanges(initial.upload.projectId, liveSince, onChanges);
  return { data, pollError };
}
