"use client";

import dynamic from "next/dynamic";
import type { UploaderProps } from "./uploader";

// Uppy and Golden Retriever touch localStorage and IndexedDB as soon as they exist, so they never render on the server.
const Uploader = dynamic(() => import("./uploader"), {
  ssr: false,
  loading: () => (
    <div className="uploader-placeholder" aria-busy="true">
      <p className="muted">Loading the uploader…</p>
    </div>
  ),
});

export function UploaderLoader(props: UploaderProps) {
  return <Uploader {...props} />;
}
