import { isUtf8 } from "node:buffer";
import { createHash } from "node:crypto";
import type { HeaderMap } from "./headers.js";
import type { DlqEntry, LogEvent, MsgData, Redact } from "./model.js";
import type { Queue, Schedule } from "./store.js";

type Json = Record<string, unknown>;

const redacted = (s: string | Buffer) => `REDACTED:${createHash("sha256").update(s).digest("hex")}`;

/** Redaction only affects what the API shows; deliveries always use the real values. */
function headerView(h: HeaderMap, r?: Redact): HeaderMap {
  if (!r || (!r.allHeaders && !r.headers)) return h;
  const out: HeaderMap = {};
  for (const [k, v] of Object.entries(h)) {
    const hide = r.allHeaders || r.headers!.includes(k.toLowerCase());
    out[k] = hide ? v.map(redacted) : v;
  }
  return out;
}

function putBody(o: Json, body: Buffer, r?: Redact, key = "body"): void {
  if (r?.body) o[key] = redacted(body);
  else if (isUtf8(body)) o[key] = body.toString("utf8");
  else o[`${key}Base64`] = body.toString("base64");
}

function flowFields(o: Json, m: { flowControl?: MsgData["flowControl"] }): void {
  const fc = m.flowControl;
  if (!fc) return;
  o.flowControlKey = fc.key;
  if (fc.parallelism !== undefined) o.parallelism = fc.parallelism;
  if (fc.rate !== undefined) o.rate = fc.rate;
  if (fc.rate !== undefined || fc.periodS !== undefined) o.period = fc.periodS ?? 1;
}

function labelFields(o: Json, labels?: string[]): void {
  if (!labels?.length) return;
  o.label = labels[0];
  o.labels = labels;
}

export function messageJson(m: MsgData & { state?: string }): Json {
  const o: Json = {
    messageId: m.id,
    url: m.url,
    method: m.method,
    header: headerView(m.header, m.redact),
    maxRetries: m.maxRetries,
    notBefore: m.notBefore,
    createdAt: m.createdAt,
    callerIP: m.callerIP,
  };
  putBody(o, m.body, m.redact);
  if (m.topicName) o.topicName = m.topicName;
  if (m.endpointName) o.endpointName = m.endpointName;
  if (m.callback) {
    o.callback = m.callback.url;
    if (Object.keys(m.callback.header).length) o.callbackHeader = m.callback.header;
  }
  if (m.failureCallback) {
    o.failureCallback = m.failureCallback.url;
    if (Object.keys(m.failureCallback.header).length) o.failureCallbackHeader = m.failureCallback.header;
  }
  if (m.queueName) o.queueName = m.queueName;
  if (m.scheduleId) o.scheduleId = m.scheduleId;
  if (m.retryDelay) o.retryDelayExpression = m.retryDelay;
  if (m.timeoutMs !== undefined) o.timeout = Math.round(m.timeoutMs / 1000);
  flowFields(o, m);
  labelFields(o, m.labels);
  // Not part of the cloud schema: the local server keeps finished messages queryable.
  if (m.state) o.state = m.state;
  return o;
}

export function dlqJson(e: DlqEntry): Json {
  const o = messageJson(e.msg);
  o.dlqId = e.dlqId;
  if (e.responseStatus) o.responseStatus = e.responseStatus;
  o.responseHeader = e.responseHeader;
  putBody(o, e.responseBody, undefined, "responseBody");
  if (e.error) o.error = e.error;
  return o;
}

export function eventJson(e: LogEvent): Json {
  const m = e.msg;
  const o: Json = {
    time: e.time,
    messageId: m.id,
    state: e.state,
    url: m.url,
    header: headerView(m.header, m.redact),
    body: m.redact?.body ? redacted(m.body) : m.body.toString("base64"),
    method: m.method,
    maxRetries: m.maxRetries,
    retried: e.retried,
    timeout: m.timeoutMs ?? 0,
  };
  if (e.error) o.error = e.error;
  if (e.nextDeliveryTime) o.nextDeliveryTime = e.nextDeliveryTime;
  if (m.topicName) o.topicName = m.topicName;
  if (m.endpointName) o.endpointName = m.endpointName;
  if (m.scheduleId) o.scheduleId = m.scheduleId;
  if (m.queueName) o.queueName = m.queueName;
  if (e.responseStatus) o.responseStatus = e.responseStatus;
  if (e.responseHeader) o.responseHeaders = e.responseHeader;
  if (e.responseBody) o.responseBody = e.responseBody.toString("base64");
  if (m.callback) {
    o.callback = m.callback.url;
    o.callbackHeaders = m.callback.header;
  }
  if (m.failureCallback) {
    o.failureCallback = m.failureCallback.url;
    o.failureCallbackHeaders = m.failureCallback.header;
  }
  if (m.retryDelay) o.retryDelayExpression = m.retryDelay;
  flowFields(o, m);
  labelFields(o, m.labels);
  return o;
}

export function scheduleJson(s: Schedule): Json {
  const o: Json = {
    scheduleId: s.scheduleId,
    cron: s.cron,
    createdAt: s.createdAt,
    destination: s.destination,
    method: s.method,
    header: headerView(s.header, s.redact),
    retries: s.retries,
    delay: s.delayS,
    callerIP: s.callerIP,
    isPaused: s.isPaused,
    lastScheduleStates: Object.fromEntries(s.lastStates),
  };
  if (s.body.length) putBody(o, s.body, s.redact);
  if (s.callback) o.callback = s.callback.url;
  if (s.failureCallback) o.failureCallback = s.failureCallback.url;
  if (s.queueName) o.queueName = s.queueName;
  if (s.retryDelay) o.retryDelayExpression = s.retryDelay;
  if (s.timeoutMs !== undefined) o.timeout = Math.round(s.timeoutMs / 1000);
  if (s.lastScheduleTime) o.lastScheduleTime = s.lastScheduleTime;
  if (s.nextScheduleTime) o.nextScheduleTime = s.nextScheduleTime;
  flowFields(o, s);
  labelFields(o, s.labels);
  return o;
}

export function queueJson(q: Queue): Json {
  return { name: q.name, createdAt: q.createdAt, updatedAt: q.updatedAt, parallelism: q.parallelism, lag: q.pending, paused: q.paused };
}
