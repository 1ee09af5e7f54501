import type { Ctx, Reply } from "./context.js";
import { ok, parseJsonBody } from "./context.js";
import { buildMatcher, type FilterView, intParam, multi } from "./filters.js";
import type { DlqEntry, MsgData } from "./model.js";
import { HttpError } from "./model.js";
import { parseDelay, parseMethod, parseNotBefore, parseRetries, parseRetryDelayHeader, parseTimeout, parseUrl } from "./publish-options.js";
import { msgDataView, msgView } from "./routes-admin.js";
import { dlqJson, eventJson } from "./serialize.js";
import { newId } from "./store.js";

/** The filters on a message's own fields, shared by the DLQ and the event log. */
const MESSAGE_FILTERS = ["messageId", "url", "topicName", "urlGroup", "scheduleId", "queueName", "label", "flowControlKey", "callerIp"];

const DLQ_FILTERS = [...MESSAGE_FILTERS, "responseStatus", "fromDate", "toDate"];

function dlqView(e: DlqEntry): FilterView {
  return { ...msgDataView(e.msg), time: e.failedAt, responseStatus: e.responseStatus };
}

/** DLQ ids are "<ms>-<seq>", so cursors compare numerically and survive deletions. */
function afterCursor(id: string, cursor: string | null): boolean {
  if (!cursor) return true;
  const [a, b] = id.split("-").map(Number);
  const [c, d] = cursor.split("-").map(Number);
  return a > c || (a === c && b > (d ?? -1));
}

/** Selects DLQ entries by dlqIds, or by filters with count/cursor paging. */
function selectDlq(ctx: Ctx, maxCount: number): { entries: DlqEntry[]; cursor?: string } {
  const { store } = ctx.engine;
  const legacy = parseJsonBody(ctx) as { dlqIds?: unknown } | undefined;
  let ids = multi(ctx.query, "dlqIds");
  if (!ids && legacy && typeof legacy === "object" && Array.isArray(legacy.dlqIds)) ids = legacy.dlqIds.map(String);
  const match = buildMatcher(ctx.query, DLQ_FILTERS, ["dlqIds", "count", "cursor", "all"]);
  if (ids) return { entries: ids.map((id) => store.dlq.get(id)).filter((e): e is DlqEntry => !!e) };
  const count = intParam(ctx.query, "count", maxCount, 1, maxCount);
  const cursor = ctx.query.get("cursor");
  const entries: DlqEntry[] = [];
  let more = false;
  for (const e of store.dlq.values()) {
    if (!afterCursor(e.dlqId, cursor) || !match(dlqView(e))) continue;
    if (entries.length === count) {
      more = true;
      break;
    }
    entries.push(e);
  }
  return { entries, cursor: more ? entries[entries.length - 1].dlqId : undefined };
}

export function listDlq(ctx: Ctx): Reply {
  const { entries, cursor } = selectDlq(ctx, 100);
  return ok(cursor ? { messages: entries.map(dlqJson), cursor } : { messages: entries.map(dlqJson) });
}

export function getDlq(ctx: Ctx, id: string): Reply {
  const e = ctx.engine.store.dlq.get(id);
  if (!e) throw new HttpError(404, "dlq message not found");
  return ok(dlqJson(e));
}

export function deleteDlq(ctx: Ctx, id: string): Reply {
  if (!ctx.engine.store.deleteDlq(id)) throw new HttpError(404, "dlq message not found");
  return ok();
}

export function deleteDlqBulk(ctx: Ctx): Reply {
  const { entries, cursor } = selectDlq(ctx, 1000);
  let deleted = 0;
  for (const e of entries) if (ctx.engine.store.deleteDlq(e.dlqId)) deleted++;
  return ok(cursor ? { deleted, cursor } : { deleted });
}

/** Re-publishes a DLQ entry as a new message; Upstash-* headers on the retry call override its settings. */
function retryOne(ctx: Ctx, e: DlqEntry): string {
  const h = ctx.headers;
  const now = Date.now();
  const orig = e.msg;
  const data: MsgData = { ...orig, id: newId("msg_"), createdAt: now, notBefore: now, retried: 0, dueAt: now };
  const retries = parseRetries(h.get("Upstash-Retries"));
  if (retries !== undefined) data.maxRetries = retries;
  const delay = parseRetryDelayHeader(h.get("Upstash-Retry-Delay"));
  if (delay !== undefined) data.retryDelay = delay;
  const timeout = parseTimeout(h.get("Upstash-Timeout"));
  if (timeout !== undefined) data.timeoutMs = timeout;
  const method = parseMethod(h.get("Upstash-Method"));
  if (method !== undefined) data.method = method;
  const cb = h.get("Upstash-Callback");
  if (cb) data.callback = { url: parseUrl(cb, "Upstash-Callback"), header: orig.callback?.header ?? {} };
  const fcb = h.get("Upstash-Failure-Callback");
  if (fcb) data.failureCallback = { url: parseUrl(fcb, "Upstash-Failure-Callback"), header: orig.failureCallback?.header ?? {} };
  const nb = parseNotBefore(h.get("Upstash-Not-Before"));
  const d = parseDelay(h.get("Upstash-Delay"));
  if (nb !== undefined) data.notBefore = nb * 1000;
  else if (d !== undefined) data.notBefore = now + d;
  data.dueAt = now + Math.max(0, data.notBefore - now) * ctx.engine.timeScale;
  ctx.engine.store.checkMessageRoom(1, data.body.length);
  ctx.engine.dispatcher.submit(data).durable.catch(() => {});
  ctx.engine.store.deleteDlq(e.dlqId);
  ctx.engine.log?.(`dlq ${e.dlqId} retried as ${data.id}`);
  return data.id;
}

export function retryDlq(ctx: Ctx, id: string): Reply {
  const e = ctx.engine.store.dlq.get(id);
  if (!e) throw new HttpError(404, "dlq message not found");
  return ok({ messageId: retryOne(ctx, e) });
}

export function retryDlqBulk(ctx: Ctx): Reply {
  const { entries, cursor } = selectDlq(ctx, 1000);
  const responses = entries.map((e) => ({ messageId: retryOne(ctx, e) }));
  return ok(cursor ? { responses, cursor } : { responses });
}

// ---- logs / events ----------------------------------------------------------------------

const EVENT_FILTERS = ["state", ...MESSAGE_FILTERS, "host", "path", "fromDate", "toDate"];

/** Served on both /v2/events (what the SDKs call) and /v2/logs (current docs), with both keys. */
export function listEvents(ctx: Ctx): Reply {
  const count = intParam(ctx.query, "count", 100, 1, 1000);
  const ids = multi(ctx.query, "messageIds");
  const idSet = ids ? new Set(ids) : undefined;
  const match = buildMatcher(ctx.query, EVENT_FILTERS, ["messageIds", "count", "cursor"]);
  const rawCursor = ctx.query.get("cursor");
  const before = rawCursor ? Number(rawCursor) : undefined;
  if (before !== undefined && !Number.isFinite(before)) throw new HttpError(400, `invalid cursor: ${rawCursor}`);
  const out: Record<string, unknown>[] = [];
  let cursor: string | undefined;
  for (const ev of ctx.engine.store.eventsNewestFirst(before)) {
    if (idSet && !idSet.has(ev.msg.id)) continue;
    const view = msgView(ev.msg);
    view.state = ev.state;
    view.time = ev.time;
    if (!idSet && !match(view)) continue;
    if (out.length === count) {
      cursor = String(ev.seq + 1);
      break;
    }
    out.push(eventJson(ev));
  }
  return ok(cursor ? { cursor, events: out, logs: out } : { events: out, logs: out });
}
