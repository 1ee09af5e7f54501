import { isUtf8 } from "node:buffer";
import { randomBytes } from "node:crypto";
import { DedupIndex, type DedupRecord } from "./dedup.js";
import { Fifo } from "./fifo.js";
import { Journal, type JournalRecord } from "./journal.js";
import {
  type DlqEntry,
  FINAL_STATES,
  HttpError,
  type LogEvent,
  type Msg,
  type MsgData,
  type MsgState,
  type QueueData,
  type ScheduleData,
  type TopicData,
} from "./model.js";

export interface Queue extends QueueData {
  fifo: Fifo<Msg>;
  active: number;
  /** Accepted but not finished (the `lag` reported by the API). */
  pending: number;
}

export interface Schedule extends ScheduleData {
  timer?: NodeJS.Timeout;
  nextScheduleTime?: number;
  lastStates: Map<string, string>;
}

/**
 * Every in-memory map has a bound, so a long run or a runaway client cannot grow the server
 * without limit. Creation beyond a count limit is refused (412, or 429 for messages) rather than
 * silently dropping something a caller relies on; the DLQ and dedup ids evict their oldest.
 */
export interface Limits {
  /** Unfinished messages (each holds its body until it finishes). */
  maxUnfinished: number;
  maxUnfinishedBytes: number;
  /** DLQ entries; the oldest go first, and any older than dlqRetentionMs. */
  maxDlq: number;
  dlqRetentionMs: number;
  /** Dedup ids inside the window; beyond it the oldest expire early (counted in /_local/stats). */
  maxDedup: number;
  maxQueues: number;
  maxSchedules: number;
  maxTopics: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxUnfinished: 100_000,
  maxUnfinishedBytes: 512 * 1024 * 1024,
  maxDlq: 10_000,
  dlqRetentionMs: 7 * 24 * 3_600_000,
  maxDedup: 200_000,
  maxQueues: 1_000,
  maxSchedules: 1_000,
  maxTopics: 1_000,
};

export interface StoreOptions {
  dataDir?: string;
  dedupWindowMs: number;
  retainFinished: number;
  retainFinishedMs: number;
  eventRetention: number;
  compactMinLines?: number;
  log?: (line: string) => void;
  fsync?: (fd: number) => Promise<void>;
  limits?: Partial<Limits>;
}

export type Keys = { current: string; next: string };

/** The journal records this store writes (see its *Record helpers and journal appends), as read back on replay. */
type ReplayedRecord =
  | { t: "msg"; m: Record<string, unknown> }
  | { t: "upd"; id: string; r: number; due: number }
  | { t: "cxl" | "fin" | "dlqdel" | "schdel"; id: string }
  | { t: "dlq"; e: Omit<DlqEntry, "msg" | "responseBody"> & { msg: Record<string, unknown>; rb?: string; rb64?: string } }
  | { t: "sch"; s: Omit<Schedule, "timer" | "nextScheduleTime" | "lastStates" | "body"> & { b?: string; b64?: string } }
  | { t: "q"; q: QueueData }
  | { t: "qdel" | "topdel"; name: string }
  | { t: "top"; g: TopicData }
  | { t: "dd"; k: string; x: number; r: unknown }
  | { t: "keys"; u: number; c: string; n: string };

// Unique across restarts (random per-process part) without paying for randomness per message.
const ID_BASE = randomBytes(12).toString("base64url");
let idCounter = 0;
export function newId(prefix: string): string {
  return prefix + ID_BASE + (++idCounter).toString(36).padStart(6, "0");
}

function encodeBody(b: Buffer): { b?: string; b64?: string } {
  return isUtf8(b) ? { b: b.toString("utf8") } : { b64: b.toString("base64") };
}
function decodeBody(r: { b?: string; b64?: string }): Buffer {
  return r.b64 !== undefined ? Buffer.from(r.b64, "base64") : Buffer.from(r.b ?? "", "utf8");
}

function msgToRecord(m: MsgData): Record<string, unknown> {
  const { body, ...rest } = m;
  const out: Record<string, unknown> = { ...rest, ...encodeBody(body) };
  for (const k of [
    "state",
    "gen",
    "holdsQueueSlot",
    "pendingCallbacks",
    "cancelRequested",
    "lastResponse",
    "nextDeliveryTime",
    "finishedAt",
    "bodyHash",
    "target",
    "parent",
  ])
    delete out[k];
  return out;
}
function recordToMsg(r: Record<string, unknown>): MsgData {
  const { b, b64, ...rest } = r as Record<string, unknown> & { b?: string; b64?: string };
  return { ...(rest as unknown as MsgData), body: decodeBody({ b, b64 }) };
}

/**
 * All server state. Unfinished messages, schedules, queues, URL groups, DLQ, dedup ids and
 * signing keys are journaled when a dataDir is set; finished messages and log events are kept
 * in memory only, bounded by count and age so a long run keeps a flat footprint.
 */
export class Store {
  messages = new Map<string, Msg>();
  private finished = new Map<string, Msg>();
  dlq = new Map<string, DlqEntry>();
  schedules = new Map<string, Schedule>();
  queues = new Map<string, Queue>();
  topics = new Map<string, TopicData>();
  dedup: DedupIndex;
  keys = new Map<number, Keys>();
  pendingCount = 0;
  /** Body bytes held by unfinished messages. */
  pendingBytes = 0;
  readonly limits: Limits;
  journal?: Journal;
  private events: (LogEvent | undefined)[];
  private eventSeq = 0;
  private dlqSeq = 0;
  private lastDlqMs = 0;
  /** Messages recovered from disk, in acceptance order, for the dispatcher to re-arm. */
  recovered: Msg[] = [];

  constructor(
    private opts: StoreOptions,
    defaultKeys: Map<number, Keys>,
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.dedup = new DedupIndex(opts.dedupWindowMs, this.limits.maxDedup);
    this.events = new Array(opts.eventRetention);
    this.keys = new Map(defaultKeys);
  }

  open(): void {
    const dir = this.opts.dataDir;
    if (!dir) return;
    const pending = new Map<string, Msg>();
    Journal.replay(dir, (rec) => this.apply(rec, pending));
    for (const m of pending.values()) {
      this.messages.set(m.id, m);
      this.pendingCount++;
      this.pendingBytes += m.body.length;
      this.recovered.push(m);
    }
    this.journal = new Journal(dir, () => this.snapshot(), this.opts.compactMinLines, this.opts.fsync);
    this.journal.snapshotSizeHint = () => this.pendingCount + this.dlq.size + this.schedules.size + this.dedup.size + this.queues.size;
    this.journal.compact();
  }

  /** Resolves once every change made so far is durable (at once when in memory). */
  sync(): Promise<void> {
    return this.journal ? this.journal.sync() : Promise.resolve();
  }

  async close(): Promise<void> {
    await this.journal?.close();
  }

  private apply(rec: JournalRecord, pending: Map<string, Msg>): void {
    const r = rec as unknown as ReplayedRecord;
    switch (r.t) {
      case "msg": {
        const data = recordToMsg(r.m);
        pending.set(data.id, hydrate(data));
        break;
      }
      case "upd": {
        const m = pending.get(r.id);
        if (m) {
          m.retried = r.r;
          m.dueAt = r.due;
        }
        break;
      }
      case "cxl": {
        const m = pending.get(r.id);
        if (m) m.cancelRequested = true;
        break;
      }
      case "fin":
        pending.delete(r.id);
        break;
      case "dlq": {
        const e = r.e;
        this.dlq.set(e.dlqId, {
          ...e,
          msg: recordToMsg(e.msg),
          responseBody: decodeBody({ b: e.rb, b64: e.rb64 }),
        });
        break;
      }
      case "dlqdel":
        this.dlq.delete(r.id);
        break;
      case "sch":
        this.schedules.set(r.s.scheduleId, { ...r.s, body: decodeBody(r.s), lastStates: new Map() });
        break;
      case "schdel":
        this.schedules.delete(r.id);
        break;
      case "q":
        this.queues.set(r.q.name, { ...r.q, fifo: new Fifo(), active: 0, pending: 0 });
        break;
      case "qdel":
        this.queues.delete(r.name);
        break;
      case "top":
        this.topics.set(r.g.name, r.g);
        break;
      case "topdel":
        this.topics.delete(r.name);
        break;
      case "dd":
        this.dedup.restore({ key: r.k, expiresAt: r.x, response: r.r });
        break;
      case "keys":
        this.keys.set(r.u, { current: r.c, next: r.n });
        break;
    }
  }

  private snapshot(): JournalRecord[] {
    const out: JournalRecord[] = [];
    for (const [u, k] of this.keys) out.push({ t: "keys", u, c: k.current, n: k.next });
    for (const q of this.queues.values()) out.push(this.queueRecord(q));
    for (const g of this.topics.values()) out.push({ t: "top", g });
    for (const s of this.schedules.values()) out.push(this.scheduleRecord(s));
    for (const e of this.dlq.values()) out.push(this.dlqRecord(e));
    for (const d of this.dedup.values()) out.push(this.dedupRecord(d));
    for (const m of this.messages.values()) {
      if (FINAL_STATES.has(m.state)) continue;
      out.push({ t: "msg", m: msgToRecord(m) });
      if (m.cancelRequested) out.push({ t: "cxl", id: m.id });
    }
    return out;
  }

  private queueRecord(q: Queue): JournalRecord {
    return { t: "q", q: { name: q.name, createdAt: q.createdAt, updatedAt: q.updatedAt, parallelism: q.parallelism, paused: q.paused } };
  }
  private scheduleRecord(s: Schedule): JournalRecord {
    const { timer, nextScheduleTime, lastStates, body, ...rest } = s;
    return { t: "sch", s: { ...rest, ...encodeBody(body) } };
  }
  private dlqRecord(e: DlqEntry): JournalRecord {
    const { msg, responseBody, ...rest } = e;
    const rb = encodeBody(responseBody);
    return { t: "dlq", e: { ...rest, msg: msgToRecord(msg), rb: rb.b, rb64: rb.b64 } };
  }
  private dedupRecord(d: DedupRecord): JournalRecord {
    return { t: "dd", k: d.key, x: d.expiresAt, r: d.response };
  }

  // ---- messages -------------------------------------------------------------------------

  /** Registers a new message; resolves once it is durable (immediately when in-memory). */
  addMessage(data: MsgData): { msg: Msg; durable: Promise<void> } {
    const msg = hydrate(data);
    this.messages.set(msg.id, msg);
    this.pendingCount++;
    this.pendingBytes += msg.body.length;
    const durable = this.journal ? this.journal.appendDurable({ t: "msg", m: msgToRecord(data) }) : Promise.resolve();
    return { msg, durable };
  }

  /** A cancel of an in-flight attempt must survive a restart, or the message would be delivered again. */
  noteCancelRequested(m: Msg): void {
    this.journal?.append({ t: "cxl", id: m.id });
  }

  noteRetry(m: Msg): void {
    this.journal?.append({ t: "upd", id: m.id, r: m.retried, due: m.dueAt });
  }

  /** Moves a message to a final state and into bounded retention. */
  finish(m: Msg, state: MsgState, extra?: Partial<LogEvent>): void {
    if (FINAL_STATES.has(m.state)) return;
    this.transition(m, state, extra);
    m.finishedAt = Date.now();
    this.pendingCount--;
    this.pendingBytes -= m.body.length;
    this.journal?.append({ t: "fin", id: m.id });
    this.finished.set(m.id, m);
    this.pruneFinished(m.finishedAt);
  }

  private pruneFinished(now: number): void {
    const { retainFinished, retainFinishedMs } = this.opts;
    for (const [id, m] of this.finished) {
      if (this.finished.size <= retainFinished && now - (m.finishedAt ?? 0) < retainFinishedMs) break;
      this.finished.delete(id);
      this.messages.delete(id);
      // Large payloads would otherwise stay reachable through retained log events.
      if (m.body.length > 4096) m.body = Buffer.alloc(0);
    }
  }

  transition(m: Msg, state: MsgState, extra?: Partial<LogEvent>): void {
    m.state = state;
    const seq = ++this.eventSeq;
    const ev: LogEvent = { seq, time: Date.now(), state, msg: m, retried: m.retried };
    if (extra) Object.assign(ev, extra);
    this.events[seq % this.events.length] = ev;
    const log = this.opts.log;
    if (log) {
      let line = `${m.id} ${state} ${m.method} ${m.url}`;
      if (m.queueName) line += ` queue=${m.queueName}`;
      if (m.kind) line += ` (${m.kind})`;
      if (state === "ERROR" || state === "FAILED") line += ` retried=${m.retried}/${m.maxRetries}`;
      if (extra?.responseStatus) line += ` status=${extra.responseStatus}`;
      if (extra?.error) line += ` error=${JSON.stringify(extra.error.slice(0, 120))}`;
      if (extra?.nextDeliveryTime) line += ` next=${new Date(extra.nextDeliveryTime).toISOString()}`;
      log(line);
    }
  }

  /** Events newest first, starting below `beforeSeq`. */
  *eventsNewestFirst(beforeSeq?: number): IterableIterator<LogEvent> {
    const cap = this.events.length;
    let seq = Math.min(beforeSeq !== undefined ? beforeSeq - 1 : this.eventSeq, this.eventSeq);
    const oldest = Math.max(1, this.eventSeq - cap + 1);
    for (; seq >= oldest; seq--) {
      const e = this.events[seq % cap];
      if (e && e.seq === seq) yield e;
    }
  }

  recentMessages(limit: number): Msg[] {
    const all = [...this.messages.values()];
    return all.slice(Math.max(0, all.length - limit)).reverse();
  }

  // ---- DLQ ------------------------------------------------------------------------------

  addDlq(m: Msg): DlqEntry {
    const now = Date.now();
    if (now === this.lastDlqMs) this.dlqSeq++;
    else {
      this.lastDlqMs = now;
      this.dlqSeq = 0;
    }
    const { state, gen, holdsQueueSlot, pendingCallbacks, cancelRequested, lastResponse, nextDeliveryTime, finishedAt, bodyHash, target, parent, ...data } = m;
    const e: DlqEntry = {
      dlqId: `${now}-${this.dlqSeq}`,
      msg: data,
      failedAt: now,
      responseStatus: lastResponse?.status ?? 0,
      responseHeader: lastResponse?.header ?? {},
      responseBody: lastResponse?.body ?? Buffer.alloc(0),
      error: lastResponse?.error,
    };
    this.dlq.set(e.dlqId, e);
    this.journal?.append(this.dlqRecord(e));
    this.pruneDlq(now);
    return e;
  }

  /** Entries are in failure order, so the oldest are first in the map. */
  private pruneDlq(now: number): void {
    for (const [id, e] of this.dlq) {
      if (this.dlq.size <= this.limits.maxDlq && now - e.failedAt < this.limits.dlqRetentionMs) break;
      this.deleteDlq(id);
      this.opts.log?.(`dlq ${id} evicted (limit ${this.limits.maxDlq} entries, ${this.limits.dlqRetentionMs / 3_600_000} h)`);
    }
  }

  /** Refuses a new message beyond the unfinished-message bounds. */
  checkMessageRoom(n: number, bytes: number): void {
    if (this.pendingCount + n > this.limits.maxUnfinished || this.pendingBytes + bytes > this.limits.maxUnfinishedBytes)
      throw new HttpError(429, `too many unfinished messages (limits: ${this.limits.maxUnfinished} messages, ${this.limits.maxUnfinishedBytes} bytes)`);
  }

  /** Refuses creating one more queue, schedule or URL group beyond its bound (an existing one may always change). */
  checkRoom(kind: "queue" | "schedule" | "url group", exists: boolean): void {
    if (exists) return;
    const [size, max] =
      kind === "queue"
        ? [this.queues.size, this.limits.maxQueues]
        : kind === "schedule"
          ? [this.schedules.size, this.limits.maxSchedules]
          : [this.topics.size, this.limits.maxTopics];
    if (size >= max) throw new HttpError(412, `${kind} limit reached (${max})`);
  }

  deleteDlq(id: string): boolean {
    if (!this.dlq.delete(id)) return false;
    this.journal?.append({ t: "dlqdel", id });
    return true;
  }

  // ---- schedules, queues, topics, dedup, keys ------------------------------------------

  saveSchedule(s: Schedule): void {
    this.schedules.set(s.scheduleId, s);
    this.journal?.append(this.scheduleRecord(s));
  }
  deleteSchedule(id: string): Schedule | undefined {
    const s = this.schedules.get(id);
    if (!s) return undefined;
    this.schedules.delete(id);
    this.journal?.append({ t: "schdel", id });
    return s;
  }

  ensureQueue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      const now = Date.now();
      q = { name, createdAt: now, updatedAt: now, parallelism: 1, paused: false, fifo: new Fifo(), active: 0, pending: 0 };
      this.saveQueue(q);
    }
    return q;
  }
  saveQueue(q: Queue): void {
    this.queues.set(q.name, q);
    this.journal?.append(this.queueRecord(q));
  }
  deleteQueue(name: string): void {
    this.queues.delete(name);
    this.journal?.append({ t: "qdel", name });
  }

  saveTopic(g: TopicData): void {
    this.topics.set(g.name, g);
    this.journal?.append({ t: "top", g });
  }
  deleteTopic(name: string): boolean {
    if (!this.topics.delete(name)) return false;
    this.journal?.append({ t: "topdel", name });
    return true;
  }

  putDedup(key: string, response: unknown): void {
    const rec = this.dedup.put(key, response);
    this.journal?.append(this.dedupRecord(rec));
  }

  setKeys(user: number, k: Keys): void {
    this.keys.set(user, k);
    this.journal?.append({ t: "keys", u: user, c: k.current, n: k.next });
  }
}

export function hydrate(data: MsgData): Msg {
  // Object.assign onto a fixed-shape literal is much cheaper than spreading on the hot path.
  const m = data as Msg;
  m.state = "CREATED";
  m.gen = 0;
  m.holdsQueueSlot = false;
  m.pendingCallbacks = 0;
  m.cancelRequested = false;
  return m;
}
