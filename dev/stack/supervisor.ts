import type { ChildProcess } from "node:child_process";

export interface Backoff {
  /** First restart delay. */
  initialMs: number;
  /** Delays double on each crash in a row, up to this. */
  maxMs: number;
  /** A process that ran this long before dying starts again from initialMs. */
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 1_000, maxMs: 30_000, resetAfterMs: 60_000 };

export interface SuperviseOptions {
  name: string;
  /** Starts the process in its own process group (spawn with detached: true). */
  start: () => ChildProcess;
  log: (line: string) => void;
  /** Polled after every (re)start; ready() resolves once it answers below 500. */
  readyUrl?: string;
  backoff?: Partial<Backoff>;
}

export interface Supervised {
  readonly name: string;
  /** The current process group's leader, undefined between a crash and its restart. */
  readonly pid: number | undefined;
  /** Restarts so far. */
  readonly restarts: number;
  /**
   * Signals the whole process group. Any exit that stop() did not ask for counts as a crash,
   * so `kill("SIGKILL")` is how a fault harness simulates one: the process comes back after the backoff.
   */
  kill(signal?: NodeJS.Signals): void;
  /** Resolves once the current (or next) process answers readyUrl; rejects after timeoutMs. */
  ready(timeoutMs?: number): Promise<void>;
  /** Stops the process group for good (SIGTERM, then SIGKILL after 10 s). */
  stop(): Promise<void>;
}

/**
 * Keeps a process running like a supervised deployment does: a crash (any exit not asked for)
 * restarts it after a backoff that doubles on each crash in a row and resets after a healthy run.
 */
export function supervise(opts: SuperviseOptions): Supervised {
  const backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
  let child: ChildProcess | undefined;
  let startedAt = 0;
  let delay = backoff.initialMs;
  let restarts = 0;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;

  const launch = () => {
    timer = undefined;
    if (stopping) return;
    const c = opts.start();
    child = c;
    startedAt = Date.now();
    c.on("error", (e) => opts.log(`${opts.name}: ${e.message}`));
    c.on("exit", (code, signal) => {
      if (child !== c) return;
      child = undefined;
      // Workers of a crashed leader would keep its port; the group goes with it.
      killGroup(c.pid, "SIGKILL");
      if (stopping) return;
      if (Date.now() - startedAt >= backoff.resetAfterMs) delay = backoff.initialMs;
      opts.log(`${opts.name} exited (${signal ?? `code ${code}`}); restarting in ${delay} ms`);
      timer = setTimeout(() => {
        restarts++;
        launch();
      }, delay);
      delay = Math.min(delay * 2, backoff.maxMs);
    });
  };
  launch();

  return {
    name: opts.name,
    get pid() {
      return child?.pid;
    },
    get restarts() {
      return restarts;
    },
    kill(signal = "SIGTERM") {
      killGroup(child?.pid, signal);
    },
    async ready(timeoutMs = 120_000) {
      if (!opts.readyUrl) return;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (stopping) throw new Error(`${opts.name} is stopping`);
        if (child) {
          try {
            const res = await fetch(opts.readyUrl, { signal: AbortSignal.timeout(5_000), redirect: "manual" });
            await res.arrayBuffer();
            if (res.status < 500) return;
          } catch {
            // not listening yet
          }
        }
        if (Date.now() > deadline) throw new Error(`${opts.name} did not answer ${opts.readyUrl} within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      const c = child;
      if (!c?.pid || c.exitCode !== null || c.signalCode !== null) return;
      // Resolve on the exit event (not a pid poll), so `pid` reads undefined once stop() returns.
      const exited = new Promise<void>((r) => c.once("exit", () => r()));
      killGroup(c.pid, "SIGTERM");
      const timeout = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 10_000).unref());
      if ((await Promise.race([exited, timeout])) === "timeout") {
        killGroup(c.pid, "SIGKILL");
        await exited;
      }
    },
  };
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}
