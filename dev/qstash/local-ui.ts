import type { Reply } from "./context.js";
import type { Dispatcher } from "./delivery.js";
import { intParam } from "./filters.js";
import type { Msg } from "./model.js";
import type { Store } from "./store.js";

function row(m: Msg) {
  return {
    messageId: m.id,
    state: m.state,
    url: m.url,
    method: m.method,
    queueName: m.queueName,
    scheduleId: m.scheduleId,
    kind: m.kind ?? "message",
    retried: m.retried,
    maxRetries: m.maxRetries,
    createdAt: m.createdAt,
    notBefore: m.notBefore,
    finishedAt: m.finishedAt,
    lastStatus: m.lastResponse?.status,
    lastError: m.lastResponse?.error,
  };
}

/** Read-only JSON view of recent messages (unfinished and retained finished), newest first. */
export function localMessages(store: Store, q: URLSearchParams): Reply {
  const limit = intParam(q, "limit", 200, 1, 5000);
  const state = q.get("state")?.toUpperCase();
  let msgs = store.recentMessages(state ? 100_000 : limit);
  if (state) msgs = msgs.filter((m) => m.state === state).slice(0, limit);
  return { status: 200, json: { pending: store.pendingCount, dlq: store.dlq.size, messages: msgs.map(row) } };
}

export function localStats(store: Store, dispatcher: Dispatcher, q: URLSearchParams): Reply {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (q.get("gc") === "1" && gc) gc();
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage();
  return {
    status: 200,
    json: {
      cpuMicros: cpu.user + cpu.system,
      rss: mem.rss,
      heapUsed: mem.heapUsed,
      pending: store.pendingCount,
      tracked: store.messages.size,
      dlq: store.dlq.size,
      activeAttempts: dispatcher.activeAttempts,
      pendingBytes: store.pendingBytes,
      dedupIds: store.dedup.size,
      dedupEvictedEarly: store.dedup.evictedEarly,
      flowControlKeys: dispatcher.flowControls.size,
      duplicatesSent: dispatcher.sender.duplicatesSent,
      limits: store.limits,
      journalLines: store.journal?.lines,
    },
  };
}

const esc = (s: unknown) => String(s ?? "").replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

export function localPage(store: Store): Reply {
  const rows = store
    .recentMessages(200)
    .map(row)
    .map(
      (r) =>
        `<tr><td>${esc(new Date(r.createdAt).toISOString())}</td><td>${esc(r.messageId)}</td><td>${esc(r.state)}</td><td>${esc(r.method)} ${esc(r.url)}</td><td>${esc(r.queueName)}</td><td>${r.retried}/${r.maxRetries}</td><td>${esc(r.lastStatus ?? r.lastError)}</td></tr>`,
    )
    .join("\n");
  const text = `<!doctype html><meta charset="utf-8"><title>QStash local</title>
<style>body{font:13px system-ui;margin:1em}td,th{padding:2px 8px;text-align:left;border-bottom:1px solid #ddd}</style>
<h1>QStash local</h1><p>${store.pendingCount} unfinished, ${store.dlq.size} in DLQ, ${store.schedules.size} schedules, ${store.queues.size} queues. JSON: <a href="/_local/messages">/_local/messages</a></p>
<table><tr><th>created</th><th>id</th><th>state</th><th>destination</th><th>queue</th><th>retried</th><th>last</th></tr>
${rows}</table>`;
  return { status: 200, text, contentType: "text/html; charset=utf-8" };
}
