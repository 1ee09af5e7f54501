import { parseRetryHint } from "./duration.js";
import type { FlowControl } from "./flow-control.js";
import { canonicalHeader, type HeaderMap } from "./headers.js";
import { type CallbackConfig, type DlqEntry, FINAL_STATES, type LastResponse, type Msg, type MsgData } from "./model.js";
import { Pump } from "./pump.js";
import { defaultBackoffMs, evalRetryDelay } from "./retry-delay.js";
import { type DuplicateFault, HttpSender } from "./sender.js";
import { type Keys, newId, type Queue, type Store } from "./store.js";
import { TimerHeap } from "./timer-heap.js";

export interface DispatcherOptions {
  timeScale: number;
  defaultTimeoutMs: number;
  keysFor: (user: number) => Keys;
  onFinished?: (m: Msg) => void;
  duplicate?: DuplicateFault;
  log?: (line: string) => void;
  random?: () => number;
}

/** What the idle signal reports: tests wait on `idle` instead of sleeping. */
export interface IdleStatus {
  /** HTTP attempts on the wire (fault-switch duplicates included). */
  inflight: number;
  /** Unfinished messages that could start now (waiting only for a queue or flow-control slot). */
  due: number;
  /** Unfinished messages held by a paused queue or flow-control key. */
  paused: number;
  /** Unfinished messages waiting for a future time (delay, not-before, retry backoff). */
  delayed: number;
  /** The earliest future due time (unscaled wall clock is not tracked; this is the scaled timer time). */
  nextDueAt: number | null;
  /** Nothing in flight and nothing due: the queue has drained up to the delayed messages. */
  idle: boolean;
}

interface Wake {
  m: Msg;
  gen: number;
}

const RETRY_HINT_HEADERS = ["Retry-After", "X-RateLimit-Reset", "X-RateLimit-Reset-Requests", "X-RateLimit-Reset-Tokens"].map(canonicalHeader);

/**
 * A message's lifecycle: timers for delays and retries, then admission by the Pump (queues,
 * flow control), an attempt by the HttpSender, and the outcome (deliver, retry, DLQ, callbacks).
 */
export class Dispatcher {
  private heap = new TimerHeap<Wake>((w) => this.onWake(w));
  private pump: Pump;
  readonly sender: HttpSender;
  private stopped = false;

  constructor(
    private store: Store,
    private opts: DispatcherOptions,
  ) {
    this.pump = new Pump(store, opts.timeScale, {
      slotTaken: (m) => this.attemptReady(m),
      start: (m) => this.startAttempt(m),
    });
    this.sender = new HttpSender({
      defaultTimeoutMs: opts.defaultTimeoutMs,
      keysFor: opts.keysFor,
      duplicate: opts.duplicate,
      log: opts.log,
      random: opts.random,
    });
  }

  get activeAttempts(): number {
    return this.sender.active;
  }

  get flowControls(): Map<string, FlowControl> {
    return this.pump.flowControls;
  }

  scaled(ms: number): number {
    return ms * this.opts.timeScale;
  }

  /** Stores a new message and starts moving it; `durable` resolves once it is on disk. */
  submit(data: MsgData): { msg: Msg; durable: Promise<void> } {
    const r = this.store.addMessage(data);
    this.accept(r.msg);
    return r;
  }

  /** Re-arms messages recovered from the journal after a restart. */
  recover(msgs: Msg[]): void {
    for (const m of msgs) {
      if (m.queueName) this.store.ensureQueue(m.queueName).pending++;
      if (m.flowControl) this.pump.flowControl(m.flowControl.key, m);
      if (m.cancelRequested) {
        // Cancelled while its attempt was in flight, then the server stopped: the cancel stands.
        this.cancelNow(m);
        continue;
      }
      if (m.retried > 0 && m.queueName) {
        // It already held its queue slot before the restart; keep FIFO semantics by re-taking it.
        const q = this.store.ensureQueue(m.queueName);
        q.active++;
        m.holdsQueueSlot = true;
        m.state = "RETRY";
        this.store.transition(m, "RETRY", { nextDeliveryTime: m.dueAt });
      } else {
        this.store.transition(m, m.retried > 0 ? "RETRY" : "CREATED");
      }
      this.wakeAt(m, m.dueAt);
    }
  }

  private accept(m: Msg): void {
    this.store.transition(m, "CREATED");
    if (m.queueName) this.store.ensureQueue(m.queueName).pending++;
    if (m.flowControl) this.pump.flowControl(m.flowControl.key, m);
    if (m.dueAt > Date.now()) this.wakeAt(m, m.dueAt);
    else this.release(m);
  }

  private wakeAt(m: Msg, at: number): void {
    this.heap.push(at, { m, gen: m.gen });
  }

  private onWake(w: Wake): void {
    const m = w.m;
    if (w.gen !== m.gen || FINAL_STATES.has(m.state) || this.stopped) return;
    if (m.state === "CREATED") this.release(m);
    else this.attemptReady(m);
  }

  /** First time a message becomes due: it enters its queue, or goes straight to delivery. */
  private release(m: Msg): void {
    if (m.queueName && !m.holdsQueueSlot) this.pump.enqueue(m);
    else this.attemptReady(m);
  }

  pumpQueue(q: Queue): void {
    this.pump.pumpQueue(q);
  }

  flowControl(key: string): FlowControl {
    return this.pump.flowControl(key);
  }

  pumpFlowControl(fc: FlowControl): void {
    this.pump.pumpFlowControl(fc);
  }

  resetRate(fc: FlowControl): void {
    this.pump.resetRate(fc);
  }

  private attemptReady(m: Msg): void {
    if (FINAL_STATES.has(m.state)) return;
    if (m.cancelRequested) {
      this.cancelNow(m);
      return;
    }
    this.pump.admit(m);
  }

  private startAttempt(m: Msg): void {
    this.store.transition(m, "ACTIVE");
    this.sender.attempt(m, (resp) => {
      if (!this.stopped) this.complete(m, resp);
    });
  }

  private complete(m: Msg, resp: LastResponse): void {
    this.pump.attemptEnded(m);
    m.lastResponse = resp;
    const attemptRetried = m.retried;
    if (resp.status >= 200 && resp.status < 300) {
      if (m.callback) this.spawnCallback(m, "callback", m.callback, resp, attemptRetried);
      this.store.finish(m, "DELIVERED", { responseStatus: resp.status });
      this.finalize(m);
      return;
    }
    const error = resp.error ?? `received status ${resp.status}`;
    this.store.transition(m, "ERROR", { error, responseStatus: resp.status || undefined, responseHeader: resp.header, responseBody: resp.body });
    if (m.callback) this.spawnCallback(m, "callback", m.callback, resp, attemptRetried);
    const nonRetryable = resp.status === 489 && (resp.header["Upstash-Nonretryable-Error"]?.[0] ?? "").toLowerCase() === "true";
    if (m.cancelRequested) {
      this.cancelNow(m);
      return;
    }
    if (nonRetryable || m.retried >= m.maxRetries) {
      this.fail(m);
      return;
    }
    const now = Date.now();
    const delay = this.retryDelay(m, resp, now);
    m.retried++;
    m.dueAt = now + this.scaled(delay);
    m.nextDeliveryTime = now + delay;
    // The event's time is the instant the delay was computed from, so nextDeliveryTime - time is the exact backoff.
    this.store.transition(m, "RETRY", { nextDeliveryTime: m.nextDeliveryTime, time: now });
    this.store.noteRetry(m);
    this.wakeAt(m, m.dueAt);
  }

  /** Unscaled delay in ms: destination hint, else Upstash-Retry-Delay, else default backoff. */
  private retryDelay(m: Msg, resp: LastResponse, now: number): number {
    for (const h of RETRY_HINT_HEADERS) {
      const v = resp.header[h]?.[0];
      if (v === undefined) continue;
      const d = parseRetryHint(v, now);
      if (d !== null && d <= 86_400_000) return d;
    }
    if (m.retryDelay) {
      try {
        return evalRetryDelay(m.retryDelay, m.retried);
      } catch {
        /* validated at accept time; fall through to the default */
      }
    }
    return defaultBackoffMs(m.retried + 1);
  }

  private fail(m: Msg): void {
    const entry = this.store.addDlq(m);
    if (m.failureCallback) this.spawnCallback(m, "failureCallback", m.failureCallback, m.lastResponse!, m.retried, entry);
    this.store.finish(m, "FAILED", {
      error: m.lastResponse?.error ?? `received status ${m.lastResponse?.status}`,
      responseStatus: m.lastResponse?.status || undefined,
    });
    this.finalize(m);
  }

  /**
   * Returns whether this call cancelled the message (now, or once its attempt ends). A message
   * already finished or already asked to cancel counts as nothing, so repeated cancels of one
   * slow message do not each report it.
   */
  cancel(m: Msg): boolean {
    if (FINAL_STATES.has(m.state) || m.cancelRequested) return false;
    if (m.state === "ACTIVE") {
      m.cancelRequested = true;
      this.store.noteCancelRequested(m);
      return true;
    }
    this.cancelNow(m);
    return true;
  }

  private cancelNow(m: Msg): void {
    m.gen++;
    this.store.finish(m, "CANCELED");
    this.finalize(m);
  }

  private finalize(m: Msg): void {
    if (m.queueName) {
      const q = this.store.queues.get(m.queueName);
      if (q) q.pending--;
    }
    this.maybeReleaseSlot(m);
    const p = m.parent;
    if (p) {
      p.pendingCallbacks--;
      m.parent = undefined;
      this.maybeReleaseSlot(p);
    }
    this.opts.onFinished?.(m);
  }

  private maybeReleaseSlot(m: Msg): void {
    if (!m.holdsQueueSlot || m.pendingCallbacks > 0 || !FINAL_STATES.has(m.state)) return;
    this.pump.releaseSlot(m);
  }

  private spawnCallback(m: Msg, kind: "callback" | "failureCallback", cfg: CallbackConfig, resp: LastResponse, retried: number, dlq?: DlqEntry): void {
    const now = Date.now();
    const payload: Record<string, unknown> = {
      status: resp.status,
      header: resp.header,
      body: resp.body.toString("base64"),
      retried,
      maxRetries: m.maxRetries,
      sourceMessageId: m.id,
      topicName: m.topicName,
      endpointName: m.endpointName,
      url: m.url,
      method: m.method,
      sourceHeader: m.header,
      sourceBody: m.body.toString("base64"),
      notBefore: m.notBefore,
      createdAt: m.createdAt,
      scheduleId: m.scheduleId,
      callerIP: m.callerIP,
    };
    if (resp.error) payload.error = resp.error;
    if (dlq) payload.dlqId = dlq.dlqId;
    const header: HeaderMap = { "Content-Type": ["application/json"], ...cfg.header };
    const { msg, durable } = this.store.addMessage({
      id: newId("msg_"),
      url: cfg.url,
      method: cfg.method ?? "POST",
      header,
      body: Buffer.from(JSON.stringify(payload)),
      createdAt: now,
      notBefore: now,
      maxRetries: cfg.retries ?? m.maxRetries,
      retried: 0,
      retryDelay: cfg.retryDelay ?? m.retryDelay,
      timeoutMs: cfg.timeoutMs ?? m.timeoutMs,
      callerIP: m.callerIP,
      user: m.user,
      kind,
      parentId: m.id,
      dueAt: now,
    });
    durable.catch(() => {});
    msg.parent = m;
    m.pendingCallbacks++;
    this.accept(msg);
  }

  /** Counts for the idle signal; one pass over the unfinished messages. */
  idleStatus(now = Date.now()): IdleStatus {
    let due = 0;
    let paused = 0;
    let delayed = 0;
    let nextDueAt: number | null = null;
    for (const m of this.store.messages.values()) {
      if (FINAL_STATES.has(m.state) || m.state === "ACTIVE") continue;
      if (m.dueAt > now) {
        delayed++;
        if (nextDueAt === null || m.dueAt < nextDueAt) nextDueAt = m.dueAt;
      } else if (this.pump.isPaused(m)) paused++;
      else due++;
    }
    const inflight = this.sender.active;
    return { inflight, due, paused, delayed, nextDueAt, idle: inflight === 0 && due === 0 };
  }

  stop(): void {
    this.stopped = true;
    this.heap.stop();
    this.pump.stop();
    this.sender.stop();
  }
}
