import type { IdleStatus } from "./delivery.js";

export type { IdleStatus };

export interface WaitIdleOptions {
  /** Give up after this long and return the last status (idle: false). */
  timeoutMs?: number;
  /**
   * How long idle must hold before it counts. A destination that publishes a follow-up after
   * answering (Next's after()) does so a moment later; 0 returns on the first idle check.
   */
  stableMs?: number;
}

const POLL_MS = 10;

/** Resolves with the first status that stayed idle for `stableMs`, or the last one at the timeout. */
export async function waitForIdle(status: () => IdleStatus, opts: WaitIdleOptions = {}): Promise<IdleStatus> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  const stableMs = opts.stableMs ?? 0;
  let idleSince: number | undefined;
  for (;;) {
    const s = status();
    const now = Date.now();
    if (!s.idle) idleSince = undefined;
    else {
      idleSince ??= now;
      if (idleSince + stableMs <= now) return s;
    }
    if (now >= deadline) return s;
    await new Promise((r) => setTimeout(r, Math.min(POLL_MS, Math.max(1, deadline - now))));
  }
}

/**
 * For tests and harnesses that reach the local QStash over HTTP (a running stack): waits until
 * nothing is in flight and nothing is due, and throws with the counts if that does not happen
 * within `timeoutMs`. Messages waiting for a future retry or delay do not block it.
 */
export async function waitForQstashIdle(baseUrl: string, token: string, opts: WaitIdleOptions = {}): Promise<IdleStatus> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const url = new URL("/_local/idle", baseUrl);
  url.searchParams.set("wait", String(timeoutMs));
  url.searchParams.set("stableMs", String(opts.stableMs ?? 0));
  const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(timeoutMs + 10_000) });
  if (!res.ok) throw new Error(`local QStash idle check answered ${res.status}: ${await res.text()}`);
  const s = (await res.json()) as IdleStatus;
  if (!s.idle) throw new Error(`local QStash did not become idle within ${timeoutMs} ms: ${JSON.stringify(s)}`);
  return s;
}
