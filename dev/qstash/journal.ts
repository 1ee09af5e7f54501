import { closeSync, existsSync, fdatasync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, write, writeSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const writeAsync = promisify(write) as (fd: number, s: string) => Promise<unknown>;
const fdatasyncAsync = promisify(fdatasync);

export type JournalRecord = { t: string } & Record<string, unknown>;

/**
 * Append-only JSON-lines journal with group commit: records appended in the same event-loop
 * turn are written with one write(); callers that need durability (message accept) share one
 * fdatasync. Every record reaches the OS before the next turn's flush, so a killed process
 * loses nothing; fsync'd records also survive power loss. When the log outgrows the live
 * state it is replaced by a snapshot (write tmp, fsync, rename, fsync dir).
 */
export class Journal {
  private fd: number;
  private buf: string[] = [];
  private waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private flushing = false;
  private scheduled = false;
  private closed = false;
  /** Written without fdatasync since the last sync. */
  private unsynced = false;
  lines = 0;
  readonly path: string;

  constructor(
    private dir: string,
    private snapshot: () => JournalRecord[],
    private compactMinLines = 50_000,
    /** fdatasync by default; injectable so a test can hold the disk and see that nothing is acknowledged early. */
    private fsync: (fd: number) => Promise<void> = fdatasyncAsync,
  ) {
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, "journal.jsonl");
    this.fd = openSync(this.path, "a");
  }

  /** Reads an existing journal; a torn final line (crash mid-write) is ignored. */
  static replay(dir: string, apply: (rec: JournalRecord) => void): number {
    const path = join(dir, "journal.jsonl");
    if (!existsSync(path)) return 0;
    const text = readFileSync(path, "utf8");
    let n = 0;
    for (const line of text.split("\n")) {
      if (!line) continue;
      let rec: JournalRecord;
      try {
        rec = JSON.parse(line);
      } catch {
        continue;
      }
      apply(rec);
      n++;
    }
    return n;
  }

  append(rec: JournalRecord): void {
    if (this.closed) return;
    this.buf.push(`${JSON.stringify(rec)}\n`);
    this.lines++;
    this.schedule();
  }

  appendDurable(rec: JournalRecord): Promise<void> {
    if (this.closed) return Promise.reject(new Error("journal closed"));
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.append(rec);
    });
  }

  /**
   * Resolves once everything appended so far is on disk (written and fdatasync'd). The server
   * calls it before answering any change, so nothing is acknowledged that a crash could lose.
   */
  sync(): Promise<void> {
    if (this.closed) return Promise.reject(new Error("journal closed"));
    if (!this.buf.length && !this.flushing && !this.unsynced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.schedule();
    });
  }

  /** Rewrites the journal as a snapshot of live state now. */
  compact(): void {
    const data = this.snapshot()
      .map((r) => `${JSON.stringify(r)}\n`)
      .join("");
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, "w");
    try {
      writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    try {
      const dfd = openSync(this.dir, "r");
      fsyncSync(dfd);
      closeSync(dfd);
    } catch {
      // Directory fsync is unsupported on some filesystems; rename is still atomic.
    }
    closeSync(this.fd);
    this.fd = openSync(this.path, "a");
    this.lines = data.length ? data.split("\n").length - 1 : 0;
    this.buf = [];
    this.unsynced = false;
  }

  private flushDone: Promise<void> = Promise.resolve();

  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    setImmediate(() => {
      this.flushDone = this.flush();
    });
  }

  private needsCompaction(liveLines: number): boolean {
    return this.lines >= this.compactMinLines && this.lines > 4 * liveLines;
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    this.flushing = true;
    try {
      // A sync() waiter with nothing buffered still gets its fdatasync.
      while ((this.buf.length || this.waiters.length) && !this.closed) {
        const waiters = this.waiters;
        this.waiters = [];
        try {
          if (this.lines >= this.compactMinLines && this.needsCompaction(this.snapshotSizeHint())) {
            // The snapshot is taken from memory, which already contains everything buffered.
            this.compact();
          } else {
            const data = this.buf.join("");
            this.buf = [];
            if (data) {
              await writeAsync(this.fd, data);
              this.unsynced = true;
            }
            if (waiters.length) {
              await this.fsync(this.fd);
              this.unsynced = false;
            }
          }
          for (const w of waiters) w.resolve();
        } catch (e) {
          for (const w of waiters) w.reject(e as Error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  snapshotSizeHint: () => number = () => 0;

  /** Waits for an in-flight write, then persists anything buffered; used on shutdown. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flushDone;
    if (this.closed) return;
    if (this.buf.length) {
      writeSync(this.fd, this.buf.join(""));
      this.buf = [];
    }
    try {
      fsyncSync(this.fd);
    } catch {
      /* best effort */
    }
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
    closeSync(this.fd);
    this.closed = true;
  }
}
