import http from "node:http";
import https from "node:https";
import { type HeaderMap, headersToMap } from "./headers.js";
import type { LastResponse, Msg } from "./model.js";
import { bodyHash, signJwt } from "./signature.js";
import type { Keys } from "./store.js";

/**
 * Fault switch for tests and the chaos harness: deliver a share of messages twice, as a real
 * at-least-once queue does when it loses an acknowledgement ("after": the copy follows a
 * successful attempt) or times an attempt out while the first is still running ("concurrent").
 */
export interface DuplicateFault {
  rate: number;
  mode: "after" | "concurrent";
}

export interface SenderOptions {
  defaultTimeoutMs: number;
  keysFor: (user: number) => Keys;
  duplicate?: DuplicateFault;
  log?: (line: string) => void;
  /** Injectable for deterministic tests; Math.random otherwise. */
  random?: () => number;
}

const RESPONSE_BODY_CAP = 64 * 1024;
const NO_HEADERS: HeaderMap = Object.freeze({}) as HeaderMap;
const EMPTY = Buffer.alloc(0);
// Forwarding these would corrupt the outgoing request framing.
const UNFORWARDABLE = new Set(["host", "content-length", "connection", "transfer-encoding", "keep-alive", "upgrade", "te", "trailer", "user-agent"]);

type Target = NonNullable<Msg["target"]>;
const targetCache = new Map<string, Target>();

function parseTarget(url: string): Target {
  let t = targetCache.get(url);
  if (t) return t;
  const u = new URL(url);
  t = {
    protocol: u.protocol,
    hostname: u.hostname.startsWith("[") ? u.hostname.slice(1, -1) : u.hostname,
    port: u.port,
    path: u.pathname + u.search,
    host: u.host,
  };
  if (targetCache.size >= 1000) targetCache.clear();
  targetCache.set(url, t);
  return t;
}

const isSuccess = (r: LastResponse) => r.status >= 200 && r.status < 300;

/** HTTP delivery of one attempt: signing, forwarding, timeouts, response capture. Knows nothing of queues. */
export class HttpSender {
  private agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  private httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 256 });
  private inflight = new Set<http.ClientRequest>();
  private stopped = false;
  duplicatesSent = 0;

  constructor(private opts: SenderOptions) {}

  /** HTTP requests on the wire now (duplicates included). */
  get active(): number {
    return this.inflight.size;
  }

  /** Delivers one attempt; `done` gets the answer that decides the message's outcome. */
  attempt(m: Msg, done: (resp: LastResponse) => void): void {
    const dup = this.opts.duplicate;
    if (!dup || dup.rate <= 0 || (this.opts.random ?? Math.random)() >= dup.rate) {
      this.request(m, done);
      return;
    }
    this.duplicatesSent++;
    this.opts.log?.(`${m.id} duplicate delivery (${dup.mode}, fault switch)`);
    if (dup.mode === "after") {
      // The copy goes out only after a success, and its own answer is ignored.
      this.request(m, (resp) => (isSuccess(resp) && !this.stopped ? this.request(m, () => done(resp)) : done(resp)));
      return;
    }
    let first: LastResponse | undefined;
    let left = 2;
    const settle = (resp: LastResponse, primary: boolean) => {
      if (primary) first = resp;
      if (--left === 0) done(first!);
    };
    this.request(m, (r) => settle(r, true));
    this.request(m, (r) => settle(r, false));
  }

  private request(m: Msg, done: (resp: LastResponse) => void): void {
    if (this.stopped) return;
    m.target ??= parseTarget(m.url);
    const target = m.target;
    const sendBody = m.method !== "GET" && m.method !== "HEAD";
    const body = sendBody ? m.body : EMPTY;
    m.bodyHash ??= bodyHash(body);
    const hash = m.bodyHash;
    // A flat raw-header array skips node's per-header object bookkeeping (measurably cheaper).
    const headers: string[] = ["Host", target.host];
    for (const k in m.header) if (!UNFORWARDABLE.has(k.toLowerCase())) for (const v of m.header[k]) headers.push(k, v);
    headers.push(
      "User-Agent",
      "Upstash-QStash",
      "Upstash-Message-Id",
      m.id,
      "Upstash-Retried",
      String(m.retried),
      "Upstash-Signature",
      signJwt(this.opts.keysFor(m.user).current, m.url, hash),
      "Upstash-Caller-Ip",
      m.callerIP,
    );
    if (m.scheduleId) headers.push("Upstash-Schedule-Id", m.scheduleId);
    if (m.topicName) headers.push("Upstash-Topic-Name", m.topicName);
    if (sendBody) headers.push("Content-Length", String(body.length));

    let finished = false;
    const finish = (resp: LastResponse) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      this.inflight.delete(req);
      if (!this.stopped) done(resp);
    };
    const failed = (e: Error) => finish({ status: 0, header: {}, body: EMPTY, error: e.message });
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
        res.on("error", failed);
      },
    );
    this.inflight.add(req);
    const timeoutMs = m.timeoutMs ?? this.opts.defaultTimeoutMs;
    const timer = setTimeout(() => req.destroy(new Error(`request timed out after ${timeoutMs}ms`)), timeoutMs);
    req.on("error", failed);
    req.end(sendBody ? body : undefined);
  }

  /** In-flight attempts are aborted without an outcome, so a restart retries them. */
  stop(): void {
    this.stopped = true;
    for (const r of this.inflight) r.destroy();
    this.inflight.clear();
    this.agent.destroy();
    this.httpsAgent.destroy();
  }
}
