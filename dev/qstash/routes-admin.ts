import { randomBytes } from "node:crypto";
import { z } from "zod";
import { type Ctx, ok, parseJsonBody, type Reply } from "./context.js";
import { buildMatcher, type FilterView, intParam, multi, rejectUnknownParams } from "./filters.js";
import { flowControlJson } from "./flow-control.js";
import { FINAL_STATES, HttpError, type Msg, type MsgData, NAME_RE } from "./model.js";
import { parseFlowControl } from "./publish-options.js";
import { messageJson, queueJson, scheduleJson } from "./serialize.js";

const notFound = (what: string) => new HttpError(404, `${what} not found`);

function bodyOf<T>(ctx: Ctx, schema: z.ZodType<T>): T {
  const raw = parseJsonBody(ctx);
  const r = schema.safeParse(raw);
  if (!r.success) throw new HttpError(400, `invalid request body: ${r.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ")}`);
  return r.data;
}

/** What the filters see of a message's stored data; `time` is when it was created. */
export function msgDataView(m: MsgData): FilterView {
  return {
    messageId: m.id,
    url: m.url,
    topicName: m.topicName,
    queueName: m.queueName,
    scheduleId: m.scheduleId,
    labels: m.labels,
    flowControlKey: m.flowControl?.key,
    callerIp: m.callerIP,
    time: m.createdAt,
  };
}

export function msgView(m: Msg): FilterView {
  return { ...msgDataView(m), state: m.state };
}

// ---- messages ---------------------------------------------------------------------------

export function getMessage(ctx: Ctx, id: string): Reply {
  const m = ctx.engine.store.messages.get(id);
  if (!m) throw notFound("message");
  return ok(messageJson(m));
}

export function cancelMessage(ctx: Ctx, id: string): Reply {
  const m = ctx.engine.store.messages.get(id);
  if (!m || FINAL_STATES.has(m.state)) throw notFound("message");
  // 0 when an earlier cancel already caught it mid-attempt: each message is counted once.
  return ok({ cancelled: ctx.engine.dispatcher.cancel(m) ? 1 : 0 });
}

const MSG_FILTERS = ["topicName", "urlGroup", "queueName", "url", "host", "path", "label", "flowControlKey", "scheduleId", "callerIp", "fromDate", "toDate"];
const MSG_CONTROLS = ["messageIds", "count", "cursor", "all"];
/** Largest `count` a bulk cancel honours in one call. */
const MAX_CANCEL_COUNT = 1000;

/**
 * Bulk cancel. By ids: each listed message. By filter (or all=true): the oldest matching
 * unfinished messages, at most `count` when given (callers loop until `cancelled` is 0). A message
 * already asked to cancel (its attempt still in flight) is not counted again.
 */
export function cancelMessages(ctx: Ctx): Reply {
  const { store, dispatcher } = ctx.engine;
  const legacy = parseJsonBody(ctx) as { messageIds?: unknown } | undefined;
  const match = buildMatcher(ctx.query, MSG_FILTERS, MSG_CONTROLS);
  let ids = multi(ctx.query, "messageIds");
  if (!ids && legacy && typeof legacy === "object" && Array.isArray(legacy.messageIds)) ids = legacy.messageIds.map(String);
  let cancelled = 0;
  if (ids) {
    for (const id of ids) {
      const m = store.messages.get(id);
      if (m && dispatcher.cancel(m)) cancelled++;
    }
    return ok({ cancelled });
  }
  const limit = ctx.query.has("count") ? intParam(ctx.query, "count", MAX_CANCEL_COUNT, 1, MAX_CANCEL_COUNT) : Infinity;
  for (const m of [...store.messages.values()]) {
    if (cancelled >= limit) break;
    if (FINAL_STATES.has(m.state) || m.cancelRequested || !match(msgView(m))) continue;
    if (dispatcher.cancel(m)) cancelled++;
  }
  return ok({ cancelled });
}

// ---- queues -----------------------------------------------------------------------------

const QueueBody = z.object({
  queueName: z.string(),
  parallelism: z.number().int().min(1).max(10_000).optional(),
  paused: z.boolean().optional(),
});

export function upsertQueue(ctx: Ctx): Reply {
  const b = bodyOf(ctx, QueueBody);
  if (!NAME_RE.test(b.queueName)) throw new HttpError(400, `invalid queue name: ${b.queueName}`);
  const { store, dispatcher } = ctx.engine;
  store.checkRoom("queue", store.queues.has(b.queueName));
  const q = store.ensureQueue(b.queueName);
  q.parallelism = b.parallelism ?? 1;
  q.paused = b.paused ?? false;
  q.updatedAt = Date.now();
  store.saveQueue(q);
  dispatcher.pumpQueue(q);
  ctx.engine.log?.(`queue ${q.name} upserted parallelism=${q.parallelism} paused=${q.paused}`);
  return ok();
}

export function listQueues(ctx: Ctx): Reply {
  return ok([...ctx.engine.store.queues.values()].map(queueJson));
}

export function getQueue(ctx: Ctx, name: string): Reply {
  const q = ctx.engine.store.queues.get(name);
  if (!q) throw notFound("queue");
  return ok(queueJson(q));
}

/** Deleting a queue cancels its unfinished messages; an attempt already in flight completes. */
export function deleteQueue(ctx: Ctx, name: string): Reply {
  const { store, dispatcher } = ctx.engine;
  const q = store.queues.get(name);
  if (!q) throw notFound("queue");
  q.paused = true;
  for (const m of [...store.messages.values()]) if (m.queueName === name && !FINAL_STATES.has(m.state)) dispatcher.cancel(m);
  store.deleteQueue(name);
  ctx.engine.log?.(`queue ${name} deleted`);
  return ok();
}

export function pauseQueue(ctx: Ctx, name: string, paused: boolean): Reply {
  const { store, dispatcher } = ctx.engine;
  const q = store.queues.get(name);
  if (!q) throw notFound("queue");
  if (q.paused !== paused) {
    q.paused = paused;
    q.updatedAt = Date.now();
    store.saveQueue(q);
    ctx.engine.log?.(`queue ${name} ${paused ? "paused" : "resumed"}`);
  }
  if (!paused) dispatcher.pumpQueue(q);
  return ok();
}

// ---- schedules --------------------------------------------------------------------------

export function listSchedules(ctx: Ctx): Reply {
  return ok([...ctx.engine.store.schedules.values()].map(scheduleJson));
}

export function getSchedule(ctx: Ctx, id: string): Reply {
  const s = ctx.engine.store.schedules.get(id);
  if (!s) throw notFound("schedule");
  return ok(scheduleJson(s));
}

export function deleteSchedule(ctx: Ctx, id: string): Reply {
  const s = ctx.engine.store.deleteSchedule(id);
  if (!s) throw notFound("schedule");
  ctx.engine.scheduler.disarm(s);
  ctx.engine.log?.(`schedule ${id} deleted`);
  return ok();
}

export function pauseSchedule(ctx: Ctx, id: string, paused: boolean): Reply {
  const { store } = ctx.engine;
  const s = store.schedules.get(id);
  if (!s) throw notFound("schedule");
  if (s.isPaused !== paused) {
    s.isPaused = paused;
    store.saveSchedule(s);
    ctx.engine.log?.(`schedule ${id} ${paused ? "paused" : "resumed"}`);
  }
  return ok();
}

// ---- URL groups (topics) ----------------------------------------------------------------

const Endpoints = z.object({
  endpoints: z.array(z.object({ url: z.string().optional(), name: z.string().optional() })),
});

export function addEndpoints(ctx: Ctx, name: string): Reply {
  if (!NAME_RE.test(name)) throw new HttpError(400, `invalid url group name: ${name}`);
  const b = bodyOf(ctx, Endpoints);
  const { store } = ctx.engine;
  const now = Date.now();
  store.checkRoom("url group", store.topics.has(name));
  const g = store.topics.get(name) ?? { name, createdAt: now, updatedAt: now, endpoints: [] };
  for (const ep of b.endpoints) {
    if (!ep.url) throw new HttpError(400, "endpoint url is required");
    let u: URL;
    try {
      u = new URL(ep.url);
    } catch {
      throw new HttpError(400, `invalid endpoint url: ${ep.url}`);
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new HttpError(400, `invalid endpoint url: ${ep.url}`);
    if (ep.name !== undefined && !NAME_RE.test(ep.name)) throw new HttpError(400, `invalid endpoint name: ${ep.name}`);
    g.endpoints = g.endpoints.filter((e) => e.url !== ep.url && (ep.name === undefined || e.name !== ep.name));
    g.endpoints.push(ep.name ? { name: ep.name, url: ep.url } : { url: ep.url });
  }
  g.updatedAt = now;
  store.saveTopic(g);
  return ok();
}

export function removeEndpoints(ctx: Ctx, name: string): Reply {
  const b = bodyOf(ctx, Endpoints);
  const { store } = ctx.engine;
  const g = store.topics.get(name);
  if (!g) throw notFound("url group");
  g.endpoints = g.endpoints.filter((e) => !b.endpoints.some((r) => (r.url !== undefined && r.url === e.url) || (r.name !== undefined && r.name === e.name)));
  g.updatedAt = Date.now();
  if (g.endpoints.length === 0) store.deleteTopic(name);
  else store.saveTopic(g);
  return ok();
}

export function listTopics(ctx: Ctx): Reply {
  return ok([...ctx.engine.store.topics.values()]);
}

export function getTopic(ctx: Ctx, name: string): Reply {
  const g = ctx.engine.store.topics.get(name);
  if (!g) throw notFound("url group");
  return ok(g);
}

export function deleteTopic(ctx: Ctx, name: string): Reply {
  if (!ctx.engine.store.deleteTopic(name)) throw notFound("url group");
  return ok();
}

// ---- keys -------------------------------------------------------------------------------

export function getKeys(ctx: Ctx): Reply {
  return ok(ctx.engine.store.keys.get(ctx.caller.user));
}

export function rotateKeys(ctx: Ctx): Reply {
  const { store } = ctx.engine;
  const k = store.keys.get(ctx.caller.user)!;
  const next = { current: k.next, next: `sig_${randomBytes(21).toString("base64url").replace(/[-_]/g, "x").slice(0, 28)}` };
  store.setKeys(ctx.caller.user, next);
  ctx.engine.log?.(`signing keys rotated for user ${ctx.caller.user}`);
  return ok(next);
}

// ---- flow control -----------------------------------------------------------------------

export function listFlowControl(ctx: Ctx): Reply {
  rejectUnknownParams(ctx.query, ["search"]);
  const search = ctx.query.get("search") ?? "";
  return ok([...ctx.engine.dispatcher.flowControls.values()].filter((f) => f.key.includes(search)).map(flowControlJson));
}

export function getFlowControl(ctx: Ctx, key: string): Reply {
  const fc = ctx.engine.dispatcher.flowControls.get(key);
  if (!fc) throw notFound("flow control key");
  return ok(flowControlJson(fc));
}

export function flowControlAction(ctx: Ctx, key: string, action: string): Reply {
  const d = ctx.engine.dispatcher;
  const fc = d.flowControl(key);
  const q = ctx.query;
  switch (action) {
    case "pause":
      fc.paused = true;
      break;
    case "resume":
      fc.paused = false;
      d.pumpFlowControl(fc);
      break;
    case "resetRate":
      d.resetRate(fc);
      break;
    case "pin": {
      const parts = [
        q.get("parallelism") && `parallelism=${q.get("parallelism")}`,
        q.get("rate") && `rate=${q.get("rate")}`,
        q.get("period") && `period=${q.get("period")}`,
      ].filter(Boolean);
      const spec = parseFlowControl(key, parts.join(","));
      if (spec?.parallelism !== undefined) {
        fc.parallelism = spec.parallelism;
        fc.pinnedParallelism = true;
      }
      if (spec?.rate !== undefined) {
        fc.rate = spec.rate;
        fc.periodS = spec.periodS ?? fc.periodS;
        fc.pinnedRate = true;
      }
      d.pumpFlowControl(fc);
      break;
    }
    case "unpin":
      if (q.get("parallelism") === "true") fc.pinnedParallelism = false;
      if (q.get("rate") === "true") fc.pinnedRate = false;
      break;
    default:
      throw new HttpError(404, "not found");
  }
  return ok();
}

export function globalParallelism(ctx: Ctx): Reply {
  return ok({ parallelismMax: 0, parallelismCount: ctx.engine.dispatcher.activeAttempts });
}
