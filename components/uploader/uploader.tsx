"use client";

import Dashboard from "@uppy/react/dashboard";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import type { AnalysisOptions as Options } from "@/lib/client/upload-types";
import { formatBytes, type Plan } from "@/lib/plans/plans";
import { DEFAULT_ANALYSIS_OPTIONS } from "@/lib/processors/catalog";
import { AnalysisOptions } from "./analysis-options";
import { createUploader } from "./create-uploader";
import { LiveUploads } from "./live-uploads";
import { describeAllowedTypes } from "./plan-rules";

import "@uppy/core/css/style.min.css";
import "@uppy/dashboard/css/style.min.css";

export type ProjectOption = { id: string; name: string };

export type UploaderProps = {
  plan: Plan;
  /** Shown in a picker unless `fixedProjectId` pins the uploader to one project. */
  projects: ProjectOption[];
  fixedProjectId?: string | null;
};

const REFRESH_DEBOUNCE_MS = 800;
/** Refusals shown at once; older ones drop off. */
const MAX_NOTICES = 4;

export default function Uploader({ plan, projects, fixedProjectId = null }: UploaderProps) {
  const router = useRouter();
  const [projectId, setProjectId] = useState(fixedProjectId ?? projects[0]?.id ?? "");
  const [options, setOptions] = useState<Options>(DEFAULT_ANALYSIS_OPTIONS);
  const [notices, setNotices] = useState<string[]>([]);

  // Uppy's callbacks are created once; they read the current choices through this ref.
  const selection = useRef({ projectId, options });
  useEffect(() => {
    selection.current = { projectId, options };
  }, [projectId, options]);

  const refreshTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const refreshSoon = useRef(() => {});
  useEffect(() => {
    refreshSoon.current = () => {
      if (refreshTimer.current) clearTimeout(refreshTimer.current);
      refreshTimer.current = setTimeout(() => router.refresh(), REFRESH_DEBOUNCE_MS);
    };
  }, [router]);

  const [{ uppy, tracker, dispose }] = useState(() =>
    createUploader({
      id: fixedProjectId ? `biblio-project-${fixedProjectId}` : "biblio-projects",
      plan,
      getProjectId: () => selection.current.projectId || null,
      getOptions: () => selection.current.options,
      onServerChange: () => refreshSoon.current(),
      onRefused: (message) => setNotices((current) => [...current.filter((m) => m !== message), message].slice(-MAX_NOTICES)),
    }),
  );

  // Lets tests and scripts wait until Uppy's Dashboard is mounted and takes files.
  const [ready, setReady] = useState(false);
  useEffect(() => setReady(true), []);

  // Deferred so React's development double-mount does not destroy the instance it keeps.
  const disposeTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    if (disposeTimer.current) clearTimeout(disposeTimer.current);
    disposeTimer.current = null;
    return () => {
      disposeTimer.current = setTimeout(() => {
        if (refreshTimer.current) clearTimeout(refreshTimer.current);
        dispose();
      }, 0);
    };
  }, [dispose]);

  const note = `${plan.label} plan: ${describeAllowedTypes(plan)}, up to ${formatBytes(plan.maxFileSize)} each`;
  const projectName = projects.find((p) => p.id === projectId)?.name;

  return (
    <div className="uploader" data-testid="uploader" data-project-id={projectId} data-ready={ready || undefined}>
      <div className="uploader-controls">
        {fixedProjectId ? null : (
          <div className="field">
            <label htmlFor="uploader-project">Upload to project</label>
            <select id="uploader-project" value={projectId} onChange={(event) => setProjectId(event.target.value)} data-testid="project-picker">
              {projects.map((project) => (
                <option key={project.id} value={project.id}>
                  {project.name}
                </option>
              ))}
            </select>
            <p className="muted field-hint">Applies to files you start uploading from now on.</p>
          </div>
        )}
        <AnalysisOptions plan={plan.id} value={options} onChange={setOptions} />
      </div>
      {notices.length > 0 && (
        <div className="alert" role="alert" data-testid="uploader-notice">
          <div className="alert-body">
            <p>
              <strong>{notices.length === 1 ? "This file was not added" : "These files were not added"}</strong>
            </p>
            {notices.map((message) => (
              <p key={message}>{message}</p>
            ))}
          </div>
          <button type="button" className="button secondary small" onClick={() => setNotices([])}>
            Dismiss
          </button>
        </div>
      )}
      <section className="uploader-dashboard" aria-label={projectName ? `Upload files to ${projectName}` : "Upload files"}>
        <Dashboard
          uppy={uppy}
          width="100%"
          height={360}
          note={note}
          proudlyDisplayPoweredByUppy={false}
          showRemoveButtonAfterComplete
          showLinkToFileUploadResult={false}
          hideProgressDetails={false}
          fileManagerSelectionType="files"
          theme="light"
        />
      </section>
      <LiveUploads uppy={uppy} tracker={tracker} />
    </div>
  );
}
