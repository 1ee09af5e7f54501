import http from "node:http";
import https from "node:https";
import { parseRetryHint } from "./duration.js";
import { applySpec, type FlowControl, newFlowControl } from "./flow-control.js";
import { canonicalHeader, type HeaderMap, headersToMap } from "./headers.js";
import { type CallbackConfig, type DlqEntry, FINAL_STATES, type LastResponse, type Msg, type MsgData } from "./model.js";
import { defaultBackoffMs, evalRetryDelay } from "./retry-delay.js";
import { bodyHash, signJwt } from "./signature.js";
import { type Keys, newId, type Queue, type Store } from "./store.js";
import { TimerHeap } from "./timer-heap.js";

export interface DispatcherOptions {
  timeScale: number;
  defaultTimeoutMs: number;
  keysFor: (user: number) => Keys;
  onFinished?: (m: Msg) => void;
}

interface Wake {
  m: Msg;
  gen: number;
}

const RESPONSE_BODY_CAP = 64 * 1024;
const NO_HEADERS: HeaderMap = Object.freeze({}) as HeaderMap;
const EMPTY = Buffer.alloc(0);

type Target = NonNullable<Msg["target"]>;
const targetCache = new Map<string, Target>();

function parseTarget(url: string): Target {
  let t = targetCache.get(url);
  if (t) return t;
  const u = new URL(url);
  t = { protocol: u.protocol, hostname: u.hostname.startsWith("[") ? u.hostname.slice(1, -1) : u.hostname, port: u.port, path: u.pathname + u.search, host: u.host };
  if (targetCache.size >= 1000) targetCache.clear();
  targetCache.set(url, t);
  return t;
}
/** How far past a saturated head the queue pump looks for a message of another key. */
const QUEUE_SCAN_LIMIT = 10_000;
const RETRY_HINT_HEADERS = ["Retry-After", "X-RateLimit-Reset", "X-RateLimit-Reset-Requests", "X-RateLimit-Reset-Tokens"].map(canonicalHeader);
// Forwarding these would corrupt the outgoing request framing.
const UNFORWARDABLE = new Set(["host", "content-length", "connection", "transfer-encoding", "keep-alive", "upgrade", "te", "trailer", "user-agent"]);

/**
 * Moves messages through their lifecycle: a timer heap for delays and retries, a FIFO per queue
 * (parallelism = slots held from first attempt until final state and callbacks done) and a wait
 * list per flow-control key (parallelism = concurrent attempts, rate = attempts per period).
 */
export class Dispatcher {
  private heap = new TimerHeap<Wake>((w) => this.onWake(w));
  readonly flowControls = new Map<string, FlowControl>();
  private agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  private httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 256 });
  private inflight = new Set<http.ClientRequest>();
  private stopped = false;

  constructor(
    private store: Store,
    private opts: DispatcherOptions,
  ) {}

  get activeAttempts(): number {
    return this.inflight.size;
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
      if (m.flowControl) this.flowControl(m.flowControl.key, m);
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
    if (m.flowControl) this.flowControl(m.flowControl.key, m);
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
    if (m.queueName && !m.holdsQueueSlot) {
      const q = this.store.ensureQueue(m.queueName);
      q.fifo.push(m);
      this.pumpQueue(q);
    } else {
      this.attemptReady(m);
    }
  }

  /**
   * Starts the oldest messages the queue has slots for. A message whose flow-control key is
   * already at its parallelism is passed over (keeping its place), so one key's backlog
   * cannot hold every slot of a shared queue: order is FIFO per key, fair across keys.
   */
  pumpQueue(q: Queue): void {
    while (!q.paused && q.active < q.parallelism && !this.stopped) {
      const m = q.fifo.takeFirst((c) => FINAL_STATES.has(c.state) || this.keyHasRoom(c), QUEUE_SCAN_LIMIT);
      if (!m) break;
      if (FINAL_STATES.has(m.state)) continue;
      q.active++;
      m.holdsQueueSlot = true;
      this.attemptReady(m);
    }
  }

  private keyHasRoom(m: Msg): boolean {
    if (!m.flowControl) return true;
    const fc = this.flowControls.get(m.flowControl.key);
    return !fc || (!fc.paused && (!fc.parallelism || fc.active + fc.wait.length < fc.parallelism));
  }

  /** A key that frees a slot may unblock messages passed over in any queue. */
  private pumpQueuesWithRoom(): void {
    for (const q of this.store.queues.values()) if (q.fifo.length && q.active < q.parallelism) this.pumpQueue(q);
  }

  flowControl(key: string, m?: Msg): FlowControl {
    let fc = this.flowControls.get(key);
    if (!fc) this.flowControls.set(key, (fc = newFlowControl(key)));
    if (m?.flowControl) applySpec(fc, m.flowControl);
    return fc;
  }

  private attemptReady(m: Msg): void {
    if (FINAL_STATES.has(m.state)) return;
    if (m.cancelRequested) return this.cancelNow(m);
    if (m.flowControl) {
      const fc = this.flowControl(m.flowControl.key);
      fc.wait.push(m);
      this.pumpFlowControl(fc);
    } else {
      this.startAttempt(m);
    }
  }

  pumpFlowControl(fc: FlowControl): void {
    while (!fc.paused && fc.wait.length && !this.stopped) {
      const head = fc.wait.peek()!;
      if (FINAL_STATES.has(head.state)) {
        fc.wait.shift();
        continue;
      }
      if (fc.parallelism && fc.active >= fc.parallelism) break;
      if (fc.rate) {
        const now = Date.now();
        const windowMs = Math.max(1, this.scaled(fc.periodS * 1000));
        if (now - fc.rateStart >= windowMs) {
          fc.rateStart = now;
          fc.rateCount = 0;
        }
        if (fc.rateCount >= fc.rate) {
          if (!fc.timer) {
            fc.timer = setTimeout(() => {
              fc.timer = undefined;
              this.pumpFlowControl(fc);
            }, fc.rateStart + windowMs - now);
          }
          break;
        }
        fc.rateCount++;
      }
      fc.wait.shift();
      fc.active++;
      this.startAttempt(head);
    }
  }

  resetRate(fc: FlowControl): void {
    fc.rateCount = 0;
    fc.rateStart = Date.now();
    if (fc.timer) clearTimeout(fc.timer);
    fc.timer = undefined;
    this.pumpFlowControl(fc);
  }

  private startAttempt(m: Msg): void {
    this.store.transition(m, "ACTIVE");
    const target = (m.target ??= parseTarget(m.url));
    const sendBody = m.method !== "GET" && m.method !== "HEAD";
    const body = sendBody ? m.body : Buffer.alloc(0);
    const hash = (m.bodyHash ??= bodyHash(body));
    // A flat raw-header array skips node's per-header object bookkeeping (measurably cheaper).
    const headers: string[] = ["Host", target.host];
    for (const k in m.header) if (!UNFORWARDABLE.has(k.toLowerCase())) for (const v of m.header[k]) headers.push(k, v);
    headers.push(
      "User-Agent", "Upstash-QStash",
      "Upstash-Message-Id", m.id,
      "Upstash-Retried", String(m.retried),
      "Upstash-Signature", signJwt(this.opts.keysFor(m.user).current, m.url, hash),
      "Upstash-Caller-Ip", m.callerIP,
    );
    if (m.scheduleId) headers.push("Upstash-Schedule-Id", m.scheduleId);
    if (m.topicName) headers.push("Upstash-Topic-Name", m.topicName);
    if (sendBody) headers.push("Content-Length", String(body.length));

    let done = false;
    const finish = (resp: LastResponse) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      this.inflight.delete(req);
      if (!this.stopped) this.complete(m, resp);
    };
    const isHttps = target.protocol === "https:";
    const req = (isHttps ? https : http).request(
      {
        agent: isHttps ? this.httpsAgent : this.agent,
        hostname: target.hostname,
        port: target.port || (isHttps ? 443 : 80),
        path: target.path,
        method: m.method,
        headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          if (size < RESPONSE_BODY_CAP) {
            chunks.push(c);
            size += c.length;
          }
        });
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          // Response headers and body are only ever reported for failures and callbacks; when
          // kept they are copied so they do not pin the socket's read buffer.
          if (status >= 200 && status < 300 && !m.callback) return finish({ status, header: NO_HEADERS, body: EMPTY });
          const b = Buffer.concat(chunks, Math.min(size, RESPONSE_BODY_CAP + 65536));
          finish({ status, header: headersToMap(res.headers), body: b.length > RESPONSE_BODY_CAP ? Buffer.from(b.subarray(0, RESPONSE_BODY_CAP)) : b });
        });
        res.on("error", (e) => finish({ status: 0, header: {}, body: Buffer.alloc(0), error: e.message }));
      },
    );
    this.inflight.add(req);
    const timeoutMs = m.timeoutMs ?? this.opts.defaultTimeoutMs;
    const timer = setTimeout(() => req.destroy(new Error(`request timed out after ${timeoutMs}ms`)), timeoutMs);
    req.on("error", (e) => finish({ status: 0, header: {}, body: Buffer.alloc(0), error: e.message }));
    req.end(sendBody ? body : undefined);
  }

  private complete(m: Msg, resp: LastResponse): void {
    if (m.flowControl) {
      const fc = this.flowControl(m.flowControl.key);
      fc.active--;
      queueMicrotask(() => {
        this.pumpFlowControl(fc);
        this.pumpQueuesWithRoom();
      });
    }
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
    if (m.cancelRequested) return this.cancelNow(m);
    if (nonRetryable || m.retried >= m.maxRetries) return this.fail(m);
    const now = Date.now();
    const delay = this.retryDelay(m, resp, now);
    m.retried++;
    m.dueAt = now + this.scaled(delay);
    m.nextDeliveryTime = now + delay;
    this.store.transition(m, "RETRY", { nextDeliveryTime: m.nextDeliveryTime });
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

  /** Returns whether the message was (or will be, once its attempt ends) cancelled. */
  cancel(m: Msg): boolean {
    if (FINAL_STATES.has(m.state)) return false;
    if (m.state === "ACTIVE") {
      m.cancelRequested = true;
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
    m.holdsQueueSlot = false;
    const q = this.store.queues.get(m.queueName!);
    if (!q) return;
    q.active--;
    this.pumpQueue(q);
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

  stop(): void {
    this.stopped = true;
    this.heap.stop();
    for (const fc of this.flowControls.values()) if (fc.timer) clearTimeout(fc.timer);
    for (const r of this.inflight) r.destroy();
    this.inflight.clear();
    this.agent.destroy();
    this.httpsAgent.destroy();
  }
}
