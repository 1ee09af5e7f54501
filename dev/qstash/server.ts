import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Ctx, FullEngine, Reply } from "./context.js";
import { Dispatcher, type IdleStatus } from "./delivery.js";
import { DEV_USERS } from "./dev-users.js";
import { fromIncoming } from "./headers.js";
import { type WaitIdleOptions, waitForIdle } from "./idle.js";
import { localMessages, localPage, localStats } from "./local-ui.js";
import { HttpError } from "./model.js";
import * as admin from "./routes-admin.js";
import * as dlq from "./routes-dlq.js";
import { handleBatch, handleEnqueue, handlePublish, handleScheduleCreate } from "./routes-publish.js";
import { Scheduler } from "./scheduler.js";
import type { DuplicateFault } from "./sender.js";
import { type Keys, type Limits, Store } from "./store.js";

export interface QstashServerOptions {
  host?: string;
  /** 8080 by default; 0 picks a free port. */
  port?: number;
  /** Journal directory; undefined keeps everything in memory like the official dev server. */
  dataDir?: string;
  /** Multiplies every wait (delays, backoff, Retry-After, flow-control periods); not timeouts or cron. */
  timeScale?: number;
  dedupWindowMs?: number;
  /** Accepted in addition to the four published dev tokens; they act as dev user 1. */
  tokens?: string[];
  /** Keys for dev user 1 (and extra tokens); defaults to the published dev keys. */
  signingKeys?: Keys;
  log?: (line: string) => void;
  defaultTimeoutMs?: number;
  /** Finished messages kept queryable: at most this many... */
  retainFinished?: number;
  /** ...and for at most this long. */
  retainFinishedMs?: number;
  /** Log events kept for /v2/events. */
  eventRetention?: number;
  maxBodyBytes?: number;
  /** Journal line count that triggers compaction (tests lower it). */
  compactMinLines?: number;
  /** Fault switch, off by default: deliver this share (0…1) of messages twice. */
  duplicateRate?: number;
  /** "after" (default): the copy follows a successful attempt; "concurrent": both at once. */
  duplicateMode?: DuplicateFault["mode"];
  /** Deterministic duplicate choice for tests. */
  random?: () => number;
  /** Bounds of the in-memory state (see DEFAULT_LIMITS in store.ts). */
  limits?: Partial<Limits>;
  /** Replaces fdatasync of the journal (tests hold it to check nothing is acknowledged before it). */
  fsync?: (fd: number) => Promise<void>;
}

export interface QstashServerHandle {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Test hook: fire a schedule now through the same path as a cron tick. Returns new message ids. */
  fireSchedule(id: string): string[];
  /** In flight, due, paused and delayed counts; `idle` = nothing in flight and nothing due. */
  idleStatus(): IdleStatus;
  /** Waits for idle (see WaitIdleOptions); resolves with the last status, idle or not, at the timeout. */
  waitForIdle(opts?: WaitIdleOptions): Promise<IdleStatus>;
}

const DEFAULT_TIMEOUT_MS = 15 * 60_000;

export async function startQstashServer(opts: QstashServerOptions = {}): Promise<QstashServerHandle> {
  const log = opts.log;
  const tokenUsers = new Map<string, number>();
  const defaultKeys = new Map<number, Keys>();
  DEV_USERS.forEach((u, i) => {
    tokenUsers.set(u.token, i + 1);
    defaultKeys.set(i + 1, { current: u.current, next: u.next });
  });
  if (opts.signingKeys) defaultKeys.set(1, { ...opts.signingKeys });
  for (const t of opts.tokens ?? []) if (!tokenUsers.has(t)) tokenUsers.set(t, 1);

  const store = new Store(
    {
      dataDir: opts.dataDir,
      dedupWindowMs: opts.dedupWindowMs ?? 600_000,
      retainFinished: opts.retainFinished ?? 1000,
      retainFinishedMs: opts.retainFinishedMs ?? 3_600_000,
      eventRetention: opts.eventRetention ?? 10_000,
      compactMinLines: opts.compactMinLines,
      fsync: opts.fsync,
      limits: opts.limits,
      log,
    },
    defaultKeys,
  );
  store.open();

  const timeScale = opts.timeScale ?? 1;
  let scheduler!: Scheduler;
  const dispatcher = new Dispatcher(store, {
    timeScale,
    defaultTimeoutMs: opts.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS,
    keysFor: (user) => store.keys.get(user) ?? store.keys.get(1)!,
    onFinished: (m) => scheduler.onMessageFinished(m),
    duplicate: opts.duplicateRate ? { rate: opts.duplicateRate, mode: opts.duplicateMode ?? "after" } : undefined,
    random: opts.random,
    log,
  });
  if (opts.duplicateRate) log?.(`fault switch: delivering ${opts.duplicateRate * 100}% of messages twice (${opts.duplicateMode ?? "after"})`);
  const engine: FullEngine = { store, dispatcher, timeScale, log, scheduler: undefined as unknown as Scheduler };
  scheduler = engine.scheduler = new Scheduler(engine, log);
  for (const s of store.schedules.values()) scheduler.arm(s);
  dispatcher.recover(store.recovered);
  if (store.recovered.length) log?.(`recovered ${store.recovered.length} unfinished message(s) from ${opts.dataDir}`);
  store.recovered = [];

  const maxBody = opts.maxBodyBytes ?? 10 * 1024 * 1024;
  const dedupPrune = setInterval(() => store.dedup.prune(), 30_000);
  dedupPrune.unref();

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e) => {
      log?.(`internal error: ${(e as Error).stack ?? e}`);
      if (!res.headersSent) send(res, { status: 500, json: { error: "internal server error" } });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const rawUrl = req.url ?? "/";
    const qi = rawUrl.indexOf("?");
    const rawPath = qi < 0 ? rawUrl : rawUrl.slice(0, qi);
    const rawQuery = qi < 0 ? "" : rawUrl.slice(qi + 1);
    const query = rawQuery ? new URLSearchParams(rawQuery) : EMPTY_QUERY;
    const method = req.method ?? "GET";

    // Every route, the local page and /_local included, needs a token (the page takes ?qstash_token=).
    const auth = req.headers.authorization;
    const token = auth?.startsWith("Bearer ") ? auth.slice(7).trim() : (query.get("qstash_token") ?? undefined);
    const user = token !== undefined ? tokenUsers.get(token) : undefined;
    if (user === undefined) {
      req.resume();
      return send(res, { status: 401, json: { error: token ? "invalid token" : "missing token" } });
    }

    if (method === "GET" && (rawPath === "/" || rawPath.startsWith("/_local/"))) {
      req.resume();
      return send(res, await local(rawPath, query));
    }

    const body = await readBody(req, maxBody);
    if (body === null) return send(res, { status: 413, json: { error: `request body exceeds ${maxBody} bytes` } });
    let ip = req.socket.remoteAddress ?? "127.0.0.1";
    if (ip.startsWith("::ffff:")) ip = ip.slice(7);

    let reply: Reply;
    try {
      let segs: string[];
      try {
        segs = rawPath.split("/").slice(1).map(decodeURIComponent);
      } catch {
        throw new HttpError(400, "malformed percent-encoding in path");
      }
      const ctx: Ctx = { method, segs: segs.slice(1), rawPath, rawQuery, query, headers: fromIncoming(req.headers), body, caller: { user, ip }, engine };
      if (segs[0] !== "v2") throw new HttpError(404, "not found");
      reply = await route(ctx);
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
      reply = { status: e.status, json: { error: e.message } };
    }
    // Acknowledge nothing a crash could lose: every change this request (or an earlier one it
    // depends on, like the first publish of a dedup id) made is on disk before the answer.
    if (method !== "GET") await store.sync();
    send(res, reply);
  }

  async function route(ctx: Ctx): Promise<Reply> {
    const { method: m, segs, rawPath } = ctx;
    const [a, b, c] = segs;
    // Destinations are cut from the raw path so nothing normalises or decodes them.
    if (a === "publish" && m === "POST") return handlePublish(ctx, rawPath.slice("/v2/publish/".length));
    if (a === "enqueue" && m === "POST") return handleEnqueue(ctx, rawPath.slice("/v2/enqueue/".length));
    if (a === "batch" && m === "POST" && segs.length === 1) return handleBatch(ctx);
    const n = segs[segs.length - 1] === "" ? segs.length - 1 : segs.length; // tolerate a trailing slash
    switch (a) {
      case "messages":
        if (n === 1 && m === "DELETE") return admin.cancelMessages(ctx);
        if (n === 2 && m === "GET") return admin.getMessage(ctx, b);
        if (n === 2 && m === "DELETE") return admin.cancelMessage(ctx, b);
        break;
      case "queues":
        if (n === 1 && m === "POST") return admin.upsertQueue(ctx);
        if (n === 1 && m === "GET") return admin.listQueues(ctx);
        if (n === 2 && m === "GET") return admin.getQueue(ctx, b);
        if (n === 2 && m === "DELETE") return admin.deleteQueue(ctx, b);
        if (n === 3 && m === "POST" && (c === "pause" || c === "resume")) return admin.pauseQueue(ctx, b, c === "pause");
        break;
      case "schedules": {
        if (n === 1 && m === "GET") return admin.listSchedules(ctx);
        const rest = rawPath.slice("/v2/schedules/".length);
        const isUrl = /^[a-z][a-z0-9+.-]*:/i.test(rest);
        if (!isUrl && n === 3 && (m === "PATCH" || m === "POST") && (c === "pause" || c === "resume")) return admin.pauseSchedule(ctx, b, c === "pause");
        if (m === "POST" && n >= 2) return handleScheduleCreate(ctx, rest);
        if (n === 2 && m === "GET") return admin.getSchedule(ctx, b);
        if (n === 2 && m === "DELETE") return admin.deleteSchedule(ctx, b);
        break;
      }
      case "topics":
        if (n === 1 && m === "GET") return admin.listTopics(ctx);
        if (n === 2 && m === "GET") return admin.getTopic(ctx, b);
        if (n === 2 && m === "DELETE") return admin.deleteTopic(ctx, b);
        if (n === 3 && c === "endpoints" && m === "POST") return admin.addEndpoints(ctx, b);
        if (n === 3 && c === "endpoints" && m === "DELETE") return admin.removeEndpoints(ctx, b);
        break;
      case "dlq":
        if (n === 1 && m === "GET") return dlq.listDlq(ctx);
        if (n === 1 && m === "DELETE") return dlq.deleteDlqBulk(ctx);
        if (b === "retry" && m === "POST" && n === 2) return dlq.retryDlqBulk(ctx);
        if (b === "retry" && m === "POST" && n === 3) return dlq.retryDlq(ctx, c);
        if (n === 2 && m === "GET") return dlq.getDlq(ctx, b);
        if (n === 2 && m === "DELETE") return dlq.deleteDlq(ctx, b);
        break;
      case "events":
      case "logs":
        if (n === 1 && m === "GET") return dlq.listEvents(ctx);
        break;
      case "keys":
        if (n === 1 && m === "GET") return admin.getKeys(ctx);
        if (n === 2 && b === "rotate" && m === "POST") return admin.rotateKeys(ctx);
        break;
      case "flowControl":
        if (n === 1 && m === "GET") return admin.listFlowControl(ctx);
        if (n === 2 && m === "GET") return admin.getFlowControl(ctx, b);
        if (n === 3 && m === "POST") return admin.flowControlAction(ctx, b, c);
        break;
      case "globalParallelism":
        if (n === 1 && m === "GET") return admin.globalParallelism(ctx);
        break;
    }
    throw new HttpError(404, `no route for ${m} ${rawPath}`);
  }

  async function local(path: string, query: URLSearchParams): Promise<Reply> {
    if (path === "/") return localPage(store);
    if (path === "/_local/idle") {
      // Long-poll: ?wait=<ms> returns as soon as idle has held for ?stableMs=<ms>, or at the timeout.
      const wait = Math.min(Number(query.get("wait") ?? 0) || 0, 600_000);
      const stableMs = Math.min(Number(query.get("stableMs") ?? 0) || 0, 60_000);
      const status = wait > 0 ? await waitForIdle(() => dispatcher.idleStatus(), { timeoutMs: wait, stableMs }) : dispatcher.idleStatus();
      return { status: 200, json: status };
    }
    if (path === "/_local/messages") return localMessages(store, query);
    if (path === "/_local/stats") return localStats(store, dispatcher, query);
    return { status: 404, json: { error: "not found" } };
  }

  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 8080, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

  let stopped: Promise<void> | undefined;
  return {
    url,
    port,
    idleStatus: () => dispatcher.idleStatus(),
    waitForIdle: (o) => waitForIdle(() => dispatcher.idleStatus(), o),
    fireSchedule(id) {
      const s = store.schedules.get(id);
      if (!s) throw new Error(`schedule ${id} not found`);
      return scheduler.fire(s);
    },
    stop() {
      stopped ??= (async () => {
        clearInterval(dedupPrune);
        scheduler.stop();
        // In-flight attempts are aborted without recording an outcome, so a restart retries them.
        dispatcher.stop();
        await new Promise<void>((r) => {
          server.close(() => r());
          server.closeAllConnections();
        });
        await store.close();
      })();
      return stopped;
    },
  };
}

const EMPTY_QUERY = new URLSearchParams();

// Event listeners rather than `for await`: the async iterator costs measurably per request.
function readBody(req: http.IncomingMessage, max: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= max) chunks.push(c);
    });
    // Always copy: a single chunk is a view into the socket's read buffer, and keeping a few
    // bytes of body would otherwise pin the whole (much larger) buffer for the message's life.
    req.on("end", () => resolve(size > max ? null : Buffer.concat(chunks, size)));
    req.on("error", reject);
  });
}

function send(res: http.ServerResponse, r: Reply): void {
  if (r.text !== undefined) {
    res.writeHead(r.status, { "Content-Type": r.contentType ?? "text/plain; charset=utf-8" });
    res.end(r.text);
    return;
  }
  const body = r.json === undefined ? "" : JSON.stringify(r.json);
  res.writeHead(r.status, ["Content-Type", "application/json", "Content-Length", String(Buffer.byteLength(body))]);
  res.end(body);
}
