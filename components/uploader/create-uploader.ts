import AwsS3, { type AwsS3Part, type AwsS3UploadParameters } from "@uppy/aws-s3";
import Uppy, { type UppyFile } from "@uppy/core";
import GoldenRetriever from "@uppy/golden-retriever";
import { ApiRequestError } from "@/lib/client/api-client";
import type { AnalysisOptions, UploadView } from "@/lib/client/upload-types";
import { abortUpload, type CreateUploadInput, completeUpload, createUpload, listUploadParts, signUploadParts } from "@/lib/client/uploads-api";
import type { Plan } from "@/lib/plans/plans";
import { PROCESSOR_NAMES } from "@/lib/processors/catalog";
import { MULTIPART_THRESHOLD, PART_UPLOAD_CONCURRENCY, partCountFor, partSizeFor } from "@/lib/uploads/part-size";
import { PartUrlSigner } from "./part-url-signer";
import { PipelineTracker } from "./pipeline-tracker";
import { planProblem } from "./plan-rules";
import { throttleProgressEvents } from "./throttle-progress";
import { wireUploaderEvents } from "./uploader-events";

/** Per-file metadata; Golden Retriever persists it, so a reload still knows each file's Biblio id. */
export type BiblioMeta = {
  biblioId?: string;
  projectId?: string;
  partCount?: number;
} & Partial<AnalysisOptions>;

/** What reaches Uppy's `upload-success` after a multipart `/complete`. */
export type BiblioBody = { biblioUpload?: UploadView };

export type BiblioFile = UppyFile<BiblioMeta, BiblioBody>;
export type BiblioUppy = Uppy<BiblioMeta, BiblioBody>;

type S3MultipartState = { s3Multipart?: { key?: string; uploadId?: string } };

export type UploaderSettings = {
  /** Stable per page, so Golden Retriever finds this page's interrupted uploads again. */
  id: string;
  plan: Plan;
  /** Read when a batch starts, so a file keeps the project and options it was sent with. */
  getProjectId: () => string | null;
  getOptions: () => AnalysisOptions;
  /** An upload was confirmed or reached a final state. */
  onServerChange: (upload: UploadView) => void;
  /** A file was refused before upload; the message names the file and the reason. */
  onRefused: (message: string) => void;
};

const KEY_PATTERN = /^uploads\/([^/]+)\//;
const MISMATCH_MESSAGE = "This page and the server disagree on how to send this file. Reload the page and try again.";

function biblioIdOf(file: BiblioFile, key?: string): string {
  const id = file.meta.biblioId ?? (key ? KEY_PATTERN.exec(key)?.[1] : undefined);
  if (!id) throw new Error(`Lost track of “${file.name}”. Remove it and add it again.`);
  return id;
}

function sizeOf(file: BiblioFile): number {
  return file.size ?? file.data?.size ?? 0;
}

function abortError(): DOMException {
  return new DOMException("The upload was cancelled.", "AbortError");
}

export function createUploader({ id, plan, getProjectId, getOptions, onServerChange, onRefused }: UploaderSettings) {
  const signer = new PartUrlSigner(signUploadParts);
  const tracker = new PipelineTracker(onServerChange);
  /** Files the person removed or cancelled, as opposed to uploads that failed and may be retried. */
  const cancelled = new Set<string>();
  const deleted = new Set<string>();
  /** Set while the page tears Uppy down: its removals must not cancel uploads that a later visit resumes. */
  let disposing = false;

  const uppy: BiblioUppy = new Uppy<BiblioMeta, BiblioBody>({
    id,
    autoProceed: false,
    allowMultipleUploadBatches: true,
    infoTimeout: 8_000,
    restrictions: { maxFileSize: plan.maxFileSize, allowedFileTypes: [...plan.allowedTypes] },
    onBeforeFileAdded: (file, files) => {
      // Returning false for a file already present lets Uppy report the duplicate, and lets re-selected Golden Retriever ghosts through.
      if (Object.hasOwn(files, file.id)) return false;
      const problem = planProblem(plan, { name: file.name, size: file.size, type: file.type });
      if (problem) {
        onRefused(problem);
        return false;
      }
      return true;
    },
    onBeforeUpload: (files) => {
      const projectId = getProjectId();
      const options = getOptions();
      return Object.fromEntries(
        Object.entries(files).map(([fileId, file]) => [
          fileId,
          file.meta.biblioId || file.meta.projectId ? file : { ...file, meta: { ...file.meta, projectId: projectId ?? undefined, ...options } },
        ]),
      );
    },
  });

  function createInput(file: BiblioFile): CreateUploadInput {
    const projectId = file.meta.projectId ?? getProjectId();
    if (!projectId) throw new Error("Choose a project before uploading.");
    const defaults = getOptions();
    return {
      name: file.meta.name || file.name,
      type: file.type || "application/octet-stream",
      size: sizeOf(file),
      projectId,
      options: Object.fromEntries(PROCESSOR_NAMES.map((name) => [name, file.meta[name] ?? defaults[name]])) as AnalysisOptions,
    };
  }

  /** A create the storage quota refuses is said above the Dashboard too, before any byte moves. */
  async function createOrRefuse(file: BiblioFile, signal?: AbortSignal) {
    try {
      return await createUpload(createInput(file), signal);
    } catch (error) {
      if (error instanceof ApiRequestError && error.code === "quota_exceeded") onRefused(`${file.name}: ${error.message}`);
      throw error;
    }
  }

  async function deleteIntent(biblioId: string): Promise<void> {
    if (deleted.has(biblioId)) return;
    deleted.add(biblioId);
    signer.forget(biblioId);
    tracker.untrack(biblioId);
    try {
      const { upload } = await abortUpload(biblioId);
      onServerChange(upload);
    } catch (error) {
      // 409: it completed first, and completed uploads are kept; 404: already gone.
      if (!(error instanceof ApiRequestError && (error.status === 409 || error.status === 404))) throw error;
    }
  }

  /** Records the new intent; if the file was removed meanwhile, takes the intent back. */
  function adopt(file: BiblioFile, upload: UploadView, extra: Partial<BiblioMeta> = {}): void {
    if (disposing) throw abortError();
    if (cancelled.has(file.id) || !uppy.getFile(file.id)) {
      void deleteIntent(upload.id).catch(() => {});
      throw abortError();
    }
    uppy.setFileMeta(file.id, { biblioId: upload.id, ...extra });
    tracker.created(upload);
  }

  uppy.use(AwsS3<BiblioMeta, BiblioBody>, {
    limit: PART_UPLOAD_CONCURRENCY,
    shouldUseMultipart: (file) => sizeOf(file) > MULTIPART_THRESHOLD,
    // The server computes part counts with the same function, so both sides agree on every part boundary.
    getChunkSize: (data) => partSizeFor(data.size),

    async getUploadParameters(file, { signal }): Promise<AwsS3UploadParameters> {
      // A retried single PUT gets a fresh intent; the stale one would only wait for the sweep to expire it.
      if (file.meta.biblioId) void deleteIntent(file.meta.biblioId).catch(() => {});
      const created = await createOrRefuse(file, signal);
      adopt(file, created.upload);
      if (created.strategy !== "single") {
        void deleteIntent(created.upload.id).catch(() => {});
        throw new Error(MISMATCH_MESSAGE);
      }
      // The signature covers Content-Type, so the PUT must send exactly these headers.
      return { method: "PUT", url: created.put.url, headers: created.put.headers };
    },

    async createMultipartUpload(file) {
      const created = await createOrRefuse(file);
      if (created.strategy !== "multipart") {
        adopt(file, created.upload);
        void deleteIntent(created.upload.id).catch(() => {});
        throw new Error(MISMATCH_MESSAGE);
      }
      adopt(file, created.upload, { partCount: created.multipart.partCount });
      if (created.multipart.partCount !== partCountFor(sizeOf(file))) {
        void deleteIntent(created.upload.id).catch(() => {});
        throw new Error(MISMATCH_MESSAGE);
      }
      signer.seed(created.upload.id, created.signed);
      return { uploadId: created.multipart.uploadId, key: created.multipart.key };
    },

    async signPart(file, { key, partNumber }): Promise<AwsS3UploadParameters> {
      const biblioId = biblioIdOf(file, key);
      const partCount = file.meta.partCount ?? partCountFor(sizeOf(file));
      // No `expires`: Uppy would turn it into an XHR timeout, but S3 only checks expiry when a PUT starts.
      return { method: "PUT", url: await signer.sign(biblioId, partNumber, partCount) };
    },

    async listParts(file, { key, signal }): Promise<AwsS3Part[]> {
      const { parts } = await listUploadParts(biblioIdOf(file, key), signal);
      return parts.map((part) => ({ PartNumber: part.partNumber, Size: part.size, ETag: part.etag }));
    },

    async completeMultipartUpload(file, { key, signal }) {
      // The server completes from ListParts itself, so the client's part list is not sent.
      const biblioId = biblioIdOf(file, key);
      tracker.verifying(biblioId);
      try {
        const { upload } = await completeUpload(biblioId, signal);
        signer.forget(biblioId);
        tracker.confirmed(upload);
        const body: { location?: string } & BiblioBody = { biblioUpload: upload };
        return body;
      } catch (error) {
        if (!(error instanceof DOMException && error.name === "AbortError")) {
          tracker.failed(biblioId, error);
          void tracker.check(biblioId);
        }
        throw error;
      }
    },

    async abortMultipartUpload(file, { key, uploadId }) {
      const biblioId = file.meta.biblioId ?? (key ? KEY_PATTERN.exec(key)?.[1] : undefined);
      if (!biblioId || disposing) return;
      if (cancelled.has(file.id)) {
        await deleteIntent(biblioId);
        return;
      }
      // Uppy aborts after any failure. Keep the parts instead and put the resume state back, so
      // Retry continues from ListParts: a failure then costs a part, not the whole file.
      if (uppy.getFile(file.id) && uploadId) {
        uppy.setFileState(file.id, { s3Multipart: { key, uploadId } } as Partial<BiblioFile> & S3MultipartState);
      }
    },

    async uploadPartBytes(args) {
      try {
        return await AwsS3.uploadPartBytes(args);
      } catch (error) {
        if (!(error instanceof Error && error.name === "AbortError")) signer.invalidate(args.signature.url);
        throw error;
      }
    },
  });

  uppy.use(GoldenRetriever<BiblioMeta, BiblioBody>, { serviceWorker: false });
  const stopThrottling = throttleProgressEvents(uppy);

  wireUploaderEvents(uppy, { tracker, cancelled, isDisposing: () => disposing, onRefused, deleteIntent });

  /**
   * Uppy's destroy() cancels every file. Golden Retriever is removed first so its saved
   * state survives, and the cancel is not passed on to the server.
   */
  function dispose(): void {
    disposing = true;
    stopThrottling();
    tracker.destroy();
    const retriever = uppy.getPlugin("GoldenRetriever");
    if (retriever) uppy.removePlugin(retriever);
    uppy.destroy();
  }

  return { uppy, tracker, dispose };
}
