import { ApiRequestError, errorMessage } from "@/lib/client/api-client";
import { isFinalStatus, type UploadView } from "@/lib/client/upload-types";
import { completeUpload, getUpload } from "@/lib/client/uploads-api";

export type PipelineEntry = {
  /** `verifying` while our `/complete` call is in flight. */
  phase: "verifying" | "tracking" | "error";
  upload: UploadView | null;
  message: string | null;
};

export type PipelineSnapshot = ReadonlyMap<string, PipelineEntry>;

const FAST_POLL_MS = 1_000;
const FAST_POLLS = 30;
const MAX_POLL_MS = 10_000;
/** With many files in flight each one polls less often, keeping the total near 5 requests a second. */
const AGGREGATE_POLLS_PER_SECOND = 5;
const COMPLETE_RETRY_DELAYS_MS = [1_000, 3_000, 8_000];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function isTransient(error: unknown): boolean {
  return error instanceof ApiRequestError && (error.status === 0 || error.status === 429 || error.status >= 500);
}

/**
 * Follows each upload after its bytes have been sent: confirms it with the server,
 * then polls its state until it is final. A plain external store, read by React
 * through useSyncExternalStore.
 */
export class PipelineTracker {
  #entries: Map<string, PipelineEntry> = new Map();
  readonly #listeners = new Set<() => void>();
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #polls = new Map<string, number>();
  readonly #completing = new Set<string>();
  readonly #settled = new Set<string>();
  readonly #dropped = new Set<string>();
  readonly #onChange: (upload: UploadView) => void;
  #destroyed = false;

  /** `onChange` fires when an upload is confirmed and when it settles: the moments a files list goes stale. */
  constructor(onChange: (upload: UploadView) => void = () => {}) {
    this.#onChange = onChange;
  }

  subscribe = (listener: () => void) => {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  };

  getSnapshot = (): PipelineSnapshot => this.#entries;

  /** The server accepted the upload intent; nothing to poll yet. */
  created(upload: UploadView): void {
    if (!this.#entries.has(upload.id)) this.#set(upload.id, { phase: "tracking", upload, message: null });
  }

  verifying(id: string): void {
    this.#set(id, { phase: "verifying", upload: this.#entries.get(id)?.upload ?? null, message: null });
  }

  /** `/complete` answered (multipart: inside Uppy's completeMultipartUpload). */
  confirmed(upload: UploadView): void {
    this.#set(upload.id, { phase: "tracking", upload, message: null });
    this.#onChange(upload);
    this.#afterUpdate(upload);
  }

  /** Retry pressed: forget the last error, keep what the server told us. */
  retrying(id: string): void {
    const current = this.#entries.get(id);
    if (current) this.#set(id, { phase: "tracking", upload: current.upload, message: null });
  }

  failed(id: string, error: unknown): void {
    this.#set(id, { phase: "error", upload: this.#entries.get(id)?.upload ?? null, message: errorMessage(error) });
  }

  /** Confirms a single-PUT upload whose bytes just arrived; `/complete` is idempotent, so transient failures are retried. */
  async complete(id: string): Promise<void> {
    if (this.#completing.has(id)) return;
    this.#completing.add(id);
    this.verifying(id);
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          const { upload } = await completeUpload(id);
          if (this.#destroyed) return;
          this.confirmed(upload);
          return;
        } catch (error) {
          if (this.#destroyed) return;
          const delay = COMPLETE_RETRY_DELAYS_MS[attempt];
          if (isTransient(error) && delay !== undefined) {
            await sleep(delay);
            continue;
          }
          this.failed(id, error);
          // A refused confirm may have moved the upload to `rejected`: show that state and its reason.
          await this.check(id);
          return;
        }
      }
    } finally {
      this.#completing.delete(id);
    }
  }

  /** One look at the server's state; keeps polling only if the pipeline is moving. */
  async check(id: string): Promise<UploadView | null> {
    try {
      const { upload } = await getUpload(id);
      if (this.#destroyed) return upload;
      const current = this.#entries.get(id);
      this.#set(id, {
        phase: current?.phase === "error" && upload.status === "pending" ? "error" : "tracking",
        upload,
        message: upload.status === "pending" ? (current?.message ?? null) : null,
      });
      if (upload.status !== "pending") this.#afterUpdate(upload);
      return upload;
    } catch (error) {
      if (!this.#destroyed && !this.#entries.get(id)?.message) this.failed(id, error);
      return null;
    }
  }

  /**
   * For a file Golden Retriever restored after its bytes were sent: if the page went
   * away before `/complete`, confirm now rather than wait for the storage event.
   */
  async resume(id: string): Promise<void> {
    if (this.#entries.has(id) || this.#completing.has(id)) return;
    this.#set(id, { phase: "tracking", upload: null, message: null });
    const upload = await this.check(id);
    if (upload?.status === "pending") await this.complete(id);
  }

  untrack(id: string): void {
    this.#dropped.add(id);
    this.#clearTimer(id);
    this.#polls.delete(id);
    if (this.#entries.delete(id)) this.#emit();
  }

  destroy(): void {
    this.#destroyed = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#listeners.clear();
  }

  #afterUpdate(upload: UploadView): void {
    if (isFinalStatus(upload.status)) {
      this.#clearTimer(upload.id);
      this.#polls.delete(upload.id);
      if (!this.#settled.has(upload.id)) {
        this.#settled.add(upload.id);
        this.#onChange(upload);
      }
      return;
    }
    this.#schedule(upload.id);
  }

  #schedule(id: string): void {
    if (this.#destroyed || this.#dropped.has(id)) return;
    this.#clearTimer(id);
    const polls = this.#polls.get(id) ?? 0;
    const backoff = Math.min(MAX_POLL_MS, FAST_POLL_MS * 1.5 ** Math.max(0, polls - FAST_POLLS));
    const shared = (this.#timers.size + 1) * (1_000 / AGGREGATE_POLLS_PER_SECOND);
    const delay = Math.max(backoff, Math.min(MAX_POLL_MS, shared));
    this.#timers.set(
      id,
      setTimeout(() => {
        this.#timers.delete(id);
        this.#poll(id);
      }, delay),
    );
  }

  async #poll(id: string): Promise<void> {
    if (this.#destroyed || !this.#entries.has(id)) return;
    this.#polls.set(id, (this.#polls.get(id) ?? 0) + 1);
    try {
      const { upload } = await getUpload(id);
      if (this.#destroyed || !this.#entries.has(id)) return;
      this.#set(id, { phase: "tracking", upload, message: null });
      this.#afterUpdate(upload);
    } catch (error) {
      if (this.#destroyed) return;
      if (isTransient(error)) {
        this.#schedule(id);
        return;
      }
      this.failed(id, error);
    }
  }

  #clearTimer(id: string): void {
    const timer = this.#timers.get(id);
    if (timer !== undefined) clearTimeout(timer);
    this.#timers.delete(id);
  }

  #set(id: string, entry: PipelineEntry): void {
    if (this.#dropped.has(id)) return;
    const next = new Map(this.#entries);
    next.set(id, entry);
    this.#entries = next;
    this.#emit();
  }

  #emit(): void {
    for (const listener of this.#listeners) listener();
  }
}
