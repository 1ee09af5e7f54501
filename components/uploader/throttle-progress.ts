import type { BiblioUppy } from "./create-uploader";

type Emit = BiblioUppy["emit"];
type Pending = { args: unknown[]; timer: ReturnType<typeof setTimeout> };

/**
 * Chromium fires an XHR upload-progress event about every 50 ms per request. With six part
 * PUTs in flight that is over a hundred Uppy state updates a second, each re-rendering the
 * Dashboard and the pipeline rows, and on a two-core laptop the page then takes the CPU
 * the upload itself needs (measured in bench/uppy-throughput.ts). Nobody reads progress
 * faster than a few times a second, so this passes at most one `upload-progress` per file
 * per interval, always delivers the latest one, and lets a file's final event through at once.
 * Returns a function that cancels pending events and restores the original `emit`.
 */
export function throttleProgressEvents(uppy: BiblioUppy, intervalMs = 250): () => void {
  const original: Emit = uppy.emit.bind(uppy);
  const emit = original as (event: string, ...args: unknown[]) => void;
  const lastSent = new Map<string, number>();
  const pending = new Map<string, Pending>();

  const send = (fileId: string, args: unknown[]) => {
    lastSent.set(fileId, performance.now());
    emit("upload-progress", ...args);
  };

  uppy.emit = ((event: string, ...args: unknown[]) => {
    const file = args[0] as { id?: string } | undefined;
    const progress = args[1] as { bytesUploaded?: number; bytesTotal?: number | null } | undefined;
    if (event !== "upload-progress" || !file?.id) return emit(event, ...args);
    const fileId = file.id;
    const waiting = pending.get(fileId);
    const elapsed = performance.now() - (lastSent.get(fileId) ?? -Infinity);
    if (elapsed >= intervalMs || progress?.bytesUploaded === progress?.bytesTotal) {
      if (waiting) clearTimeout(waiting.timer);
      pending.delete(fileId);
      return send(fileId, args);
    }
    if (waiting) {
      waiting.args = args;
      return;
    }
    const entry: Pending = {
      args,
      timer: setTimeout(() => {
        pending.delete(fileId);
        send(fileId, entry.args);
      }, intervalMs - elapsed),
    };
    pending.set(fileId, entry);
  }) as Emit;

  return () => {
    for (const entry of pending.values()) clearTimeout(entry.timer);
    pending.clear();
    uppy.emit = original;
  };
}
