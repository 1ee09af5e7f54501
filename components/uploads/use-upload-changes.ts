"use client";

import { useEffect, useRef } from "react";
import { ApiRequestError, apiRequest } from "@/lib/client/api-client";
import type { UploadView } from "@/lib/client/upload-types";

/** One small query per open tab every 2 s; nothing while the tab is hidden. */
export const LIVE_POLL_MS = 2_000;
const MAX_BACKOFF_MS = 30_000;

type ChangesAnswer = { uploads: UploadView[]; cursor: string; more: boolean } | null;

export function fetchUploadChanges(projectId: string, since: string, signal?: AbortSignal) {
  const query = new URLSearchParams({ since });
  return apiRequest<ChangesAnswer>(`/api/projects/${encodeURIComponent(projectId)}/uploads/changes?${query}`, { signal });
}

/**
 * Follows a project's uploads: calls `onChanges` with every upload whose row changed
 * after `since` (an ISO time from the server's render). The server answers 204 when
 * nothing changed. Polling stops while the tab is hidden and resumes at once when it
 * shows again; it stops for good on a 4xx other than 429 (signed out, access lost).
 */
export function useUploadChanges(projectId: string | null, since: string, onChanges: (uploads: UploadView[]) => void): void {
  const latest = useRef(onChanges);
  useEffect(() => {
    latest.current = onChanges;
  }, [onChanges]);
  // The cursor outlives re-renders (a router refresh hands down a newer `since`; the stream already covers it).
  const cursor = useRef(since);

  useEffect(() => {
    if (!projectId) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let inFlight = false;
    let stopped = false;
    let failures = 0;

    const schedule = (delay: number) => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (!stopped && !document.hidden) timer = setTimeout(tick, delay);
    };

    const tick = async () => {
      if (inFlight || stopped || document.hidden) return;
      inFlight = true;
      let delay = LIVE_POLL_MS;
      try {
        const answer = await fetchUploadChanges(projectId, cursor.current, controller.signal);
        failures = 0;
        if (answer) {
          cursor.current = answer.cursor;
          if (answer.uploads.length) latest.current(answer.uploads);
          if (answer.more) delay = 0;
        }
      } catch (error) {
        if (controller.signal.aborted) return;
        if (error instanceof ApiRequestError && error.status >= 400 && error.status < 500 && error.status !== 429) {
          stopped = true;
          return;
        }
        failures++;
        delay = Math.min(MAX_BACKOFF_MS, LIVE_POLL_MS * 2 ** failures);
      } finally {
        inFlight = false;
      }
      schedule(delay);
    };

    const onVisibility = () => {
      if (document.hidden) {
        if (timer) clearTimeout(timer);
        timer = undefined;
      } else {
        schedule(0);
      }
    };

    document.addEventListener("visibilitychange", onVisibility);
    schedule(LIVE_POLL_MS);
    return () => {
      stopped = true;
      controller.abort();
      if (timer) clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [projectId]);
}
