import { contentDedupKey } from "./dedup.js";
import type { Dispatcher } from "./delivery.js";
import type { HeaderSource } from "./headers.js";
import { HttpError, type MsgData, NAME_RE, type TopicData } from "./model.js";
import { type PublishConfig, parsePublishHeaders, parseUrl } from "./publish-options.js";
import { newId, type Store } from "./store.js";

export interface Caller {
  user: number;
  ip: string;
}

export interface Engine {
  store: Store;
  dispatcher: Dispatcher;
  timeScale: number;
}

export type Target = { url: string } | { topic: TopicData };

export function resolveDestination(store: Store, dest: string): Target {
  if (dest === "") throw new HttpError(400, "invalid destination url: destination is empty");
  if (/^[a-z][a-z0-9+.-]*:/i.test(dest)) return { url: parseUrl(dest, "destination url") };
  if (!NAME_RE.test(dest)) throw new HttpError(400, "invalid destination url: endpoint has invalid scheme, add http:// or https://");
  const topic = store.topics.get(dest);
  if (!topic) throw new HttpError(404, `topic ${dest} not found`);
  return { topic };
}

export interface MessageOrigin {
  queueName?: string;
  scheduleId?: string;
}

/** One message per destination endpoint (a URL group fans out into independent messages). */
export function buildMessages(engine: Engine, target: Target, cfg: PublishConfig, body: Buffer, caller: Caller, origin: MessageOrigin): MsgData[] {
  const now = Date.now();
  let notBefore = now;
  if (cfg.notBeforeS !== undefined) notBefore = cfg.notBeforeS * 1000;
  else if (cfg.delayMs !== undefined) notBefore = now + cfg.delayMs;
  // Waits shrink with timeScale; the reported notBefore stays the requested wall-clock time.
  const dueAt = now + Math.max(0, notBefore - now) * engine.timeScale;
  const endpoints = "url" in target ? [{ url: target.url, name: undefined as string | undefined }] : target.topic.endpoints;
  return endpoints.map((ep) => ({
    id: newId("msg_"),
    url: ep.url,
    method: cfg.method,
    header: cfg.header,
    body,
    createdAt: now,
    notBefore,
    maxRetries: cfg.maxRetries,
    retried: 0,
    retryDelay: cfg.retryDelay,
    timeoutMs: cfg.timeoutMs,
    callback: cfg.callback,
    failureCallback: cfg.failureCallback,
    queueName: origin.queueName,
    scheduleId: origin.scheduleId,
    topicName: "topic" in target ? target.topic.name : undefined,
    endpointName: "topic" in target ? ep.name : undefined,
    callerIP: caller.ip,
    flowControl: cfg.flowControl,
    labels: cfg.labels,
    redact: cfg.redact,
    user: caller.user,
    dueAt,
  }));
}

export function dedupKeyFor(scope: string, cfg: PublishConfig, dest: string, body: Buffer, caller: Caller): string | undefined {
  if (cfg.dedupId) return `${scope}:${caller.user}:id:${cfg.dedupId}`;
  if (cfg.contentDedup) return `${scope}:${caller.user}:${contentDedupKey(scope, dest, body, cfg.header)}`;
  return undefined;
}

function markDeduplicated(r: unknown): unknown {
  if (Array.isArray(r)) return r.map(markDeduplicated);
  return { ...(r as object), deduplicated: true };
}

/** publish, enqueue and each batch item. */
export async function publish(
  engine: Engine,
  dest: string,
  h: HeaderSource,
  body: Buffer,
  caller: Caller,
  queueName?: string,
): Promise<{ status: number; json: unknown }> {
  const cfg = parsePublishHeaders(h);
  if (queueName !== undefined) {
    if (!NAME_RE.test(queueName)) throw new HttpError(400, `invalid queue name: ${queueName}`);
    if (cfg.delayMs !== undefined || cfg.notBeforeS !== undefined)
      throw new HttpError(400, "delay and not-before are not supported for enqueue; use publish instead");
  }
  const target = resolveDestination(engine.store, dest);
  const dedupKey = dedupKeyFor("publish", cfg, dest, body, caller);
  if (dedupKey) {
    const hit = engine.store.dedup.get(dedupKey);
    if (hit) return { status: 202, json: markDeduplicated(hit.response) };
  }
  const datas = buildMessages(engine, target, cfg, body, caller, { queueName });
  engine.store.checkMessageRoom(datas.length, body.length * datas.length);
  if (queueName !== undefined) engine.store.checkRoom("queue", engine.store.queues.has(queueName));
  const submitted = datas.map((d) => engine.dispatcher.submit(d));
  const items = datas.map((d) => ({ messageId: d.id, url: d.url }));
  const json = "url" in target ? items[0] : items;
  // Recorded before the first await, so a concurrent publish with the same id sees it and gets
  // this message back instead of making a second one; the server syncs both before answering.
  if (dedupKey) engine.store.putDedup(dedupKey, json);
  if (engine.store.journal) await Promise.all(submitted.map((s) => s.durable));
  return { status: 200, json };
}
