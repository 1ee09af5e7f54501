import { z } from "zod";
import { type Ctx, ok, parseJsonBody, type Reply } from "./context.js";
import { type ParsedCron, parseCron } from "./cron.js";
import { fromRecord, type HeaderSource } from "./headers.js";
import { HttpError, NAME_RE } from "./model.js";
import { dedupKeyFor, publish, resolveDestination } from "./publish.js";
import { parsePublishHeaders } from "./publish-options.js";
import { newId, type Schedule } from "./store.js";

/**
 * The destination is everything after the route prefix, taken from the raw request target so
 * "//" and "%2F" survive, plus the query string minus auth and webhook-style upstash-* params.
 */
export function destinationOf(rawRest: string, rawQuery: string): { dest: string; queryHeaders: Record<string, string> } {
  let dest = rawRest;
  if (/^https?%3A/i.test(dest)) dest = decodeURIComponent(dest);
  const queryHeaders: Record<string, string> = {};
  const kept: string[] = [];
  if (rawQuery) {
    for (const part of rawQuery.split("&")) {
      if (!part) continue;
      const eq = part.indexOf("=");
      let name = eq < 0 ? part : part.slice(0, eq);
      try {
        name = decodeURIComponent(name.replace(/\+/g, " "));
      } catch {
        /* keep raw */
      }
      const lname = name.toLowerCase();
      if (lname === "qstash_token") continue;
      if (lname.startsWith("upstash-")) {
        const raw = eq < 0 ? "" : part.slice(eq + 1);
        try {
          queryHeaders[name] = decodeURIComponent(raw.replace(/\+/g, " "));
        } catch {
          queryHeaders[name] = raw;
        }
        continue;
      }
      kept.push(part);
    }
  }
  if (kept.length) dest += (dest.includes("?") ? "&" : "?") + kept.join("&");
  return { dest, queryHeaders };
}

function headersWithQuery(ctx: Ctx, queryHeaders: Record<string, string>): HeaderSource {
  return Object.keys(queryHeaders).length ? mergeFallback(ctx.headers, queryHeaders) : ctx.headers;
}

// Real headers win over webhook-style query parameters.
function mergeFallback(primary: HeaderSource, extra: Record<string, string>): HeaderSource {
  const low = new Map(Object.entries(extra).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    get: (n) => primary.get(n) ?? low.get(n.toLowerCase()),
    *entries() {
      yield* primary.entries();
      for (const [k, v] of low) if (primary.get(k) === undefined) yield [k, v];
    },
  };
}

export async function handlePublish(ctx: Ctx, rawRest: string): Promise<Reply> {
  const { dest, queryHeaders } = destinationOf(rawRest, ctx.rawQuery);
  const r = await publish(ctx.engine, dest, headersWithQuery(ctx, queryHeaders), ctx.body, ctx.caller);
  return { status: r.status, json: r.json };
}

export async function handleEnqueue(ctx: Ctx, rawRest: string): Promise<Reply> {
  const slash = rawRest.indexOf("/");
  if (slash <= 0) throw new HttpError(400, "expected /v2/enqueue/{queueName}/{destination}");
  const queueName = decodeURIComponent(rawRest.slice(0, slash));
  const { dest, queryHeaders } = destinationOf(rawRest.slice(slash + 1), ctx.rawQuery);
  const r = await publish(ctx.engine, dest, headersWithQuery(ctx, queryHeaders), ctx.body, ctx.caller, queueName);
  return { status: r.status, json: r.json };
}

const BatchItem = z.object({
  destination: z.string(),
  headers: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).optional(),
  body: z.string().optional(),
  queue: z.string().optional(),
});

export async function handleBatch(ctx: Ctx): Promise<Reply> {
  const parsed = z.array(z.unknown()).safeParse(parseJsonBody(ctx));
  if (!parsed.success) throw new HttpError(400, "batch body must be a JSON array of messages");
  const results = await Promise.all(
    parsed.data.map(async (raw) => {
      const item = BatchItem.safeParse(raw);
      if (!item.success) return { error: `invalid batch item: ${item.error.issues.map((i) => i.message).join("; ")}` };
      try {
        const { dest } = destinationOf(item.data.destination, "");
        const r = await publish(ctx.engine, dest, fromRecord(item.data.headers ?? {}), Buffer.from(item.data.body ?? "", "utf8"), ctx.caller, item.data.queue);
        return r.json;
      } catch (e) {
        if (e instanceof HttpError) return { error: e.message };
        throw e;
      }
    }),
  );
  return ok(results);
}

export function handleScheduleCreate(ctx: Ctx, rawRest: string): Reply {
  const { dest, queryHeaders } = destinationOf(rawRest, ctx.rawQuery);
  const h = headersWithQuery(ctx, queryHeaders);
  const { store, scheduler } = ctx.engine;
  const cronRaw = h.get("Upstash-Cron");
  if (!cronRaw) throw new HttpError(400, "Upstash-Cron header is required");
  let cron: ParsedCron;
  try {
    cron = parseCron(cronRaw);
  } catch (e) {
    throw new HttpError(400, (e as Error).message);
  }
  const cfg = parsePublishHeaders(h);
  if (cfg.notBeforeS !== undefined) throw new HttpError(400, "Upstash-Not-Before is not supported for schedules");
  resolveDestination(store, dest);
  const id = h.get("Upstash-Schedule-Id")?.trim();
  if (id !== undefined && !NAME_RE.test(id)) throw new HttpError(400, `invalid schedule id: ${id}`);
  const queueName = h.get("Upstash-Queue-Name")?.trim() || undefined;
  if (queueName !== undefined && !NAME_RE.test(queueName)) throw new HttpError(400, `invalid queue name: ${queueName}`);
  const dedupKey = dedupKeyFor("schedule", cfg, dest, ctx.body, ctx.caller);
  if (dedupKey) {
    const hit = store.dedup.get(dedupKey);
    if (hit) return { status: 202, json: hit.response };
  }
  const scheduleId = id ?? newId("scd_");
  const existing = store.schedules.get(scheduleId);
  store.checkRoom("schedule", !!existing);
  if (existing) scheduler.disarm(existing);
  const s: Schedule = {
    scheduleId,
    cron: cron.expr,
    createdAt: existing?.createdAt ?? Date.now(),
    destination: dest,
    method: cfg.method,
    header: cfg.header,
    body: ctx.body,
    retries: cfg.maxRetries,
    delayS: cfg.delayMs ? Math.round(cfg.delayMs / 1000) : 0,
    retryDelay: cfg.retryDelay,
    timeoutMs: cfg.timeoutMs,
    callback: cfg.callback,
    failureCallback: cfg.failureCallback,
    callerIP: ctx.caller.ip,
    isPaused: false,
    queueName,
    flowControl: cfg.flowControl,
    labels: cfg.labels,
    redact: cfg.redact,
    user: ctx.caller.user,
    lastStates: new Map(),
  };
  store.saveSchedule(s);
  scheduler.arm(s);
  const json = { scheduleId };
  if (dedupKey) store.putDedup(dedupKey, json);
  ctx.engine.log?.(`schedule ${scheduleId} ${existing ? "replaced" : "created"} cron="${s.cron}" → ${dest}`);
  return ok(json);
}
