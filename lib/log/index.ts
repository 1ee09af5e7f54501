/**
 * One logger for every runtime (Edge and Node): one JSON object per line, so a log
 * pipeline can follow one upload across its hops by `uploadId`. Every line about an
 * upload carries `uploadId`; add `messageId`, `source` and `attempt` where known.
 * `LOG_FORMAT=pretty` (the local stack's default) prints the same fields readably.
 * A line written inside a span carries its `traceId`; a line about an upload outside any
 * span carries the upload's trace id (lib/trace), so logs and spans join on one id.
 */
import { trace } from "@opentelemetry/api";
import { uploadTraceId } from "@/lib/trace/upload-trace";

export type LogFields = Record<string, unknown>;
type Level = "debug" | "info" | "warn" | "error";

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger whose every line carries these fields (e.g. `{ uploadId }`). */
  child(fields: LogFields): Logger;
}

const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** An Error keeps its stack: an unexpected error's log line is the only place it is told. */
function errorFields(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack?.split("\n").slice(1, 6).join("\n") };
  return value;
}

function activeTraceId(): string | undefined {
  const sc = trace.getActiveSpan()?.spanContext();
  return sc && trace.isSpanContextValid(sc) ? sc.traceId : undefined;
}

function write(level: Level, bound: LogFields, msg: string, fields?: LogFields) {
  const min = RANK[(process.env.LOG_LEVEL as Level) ?? "info"] ?? RANK.info;
  if (RANK[level] < min) return;
  const all: LogFields = { ...bound, ...fields };
  if (all.traceId === undefined) all.traceId = activeTraceId() ?? (typeof all.uploadId === "string" ? uploadTraceId(all.uploadId) : null) ?? undefined;
  for (const key of Object.keys(all)) all[key] = errorFields(all[key]);
  const sink = level === "error" ? console.error : level === "warn" ? console.warn : console.log;
  if (process.env.LOG_FORMAT === "pretty") {
    const tail = Object.entries(all)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
      .join(" ");
    sink(`${level.padEnd(5)} ${msg}${tail ? ` ${tail}` : ""}`);
  } else {
    sink(JSON.stringify({ level, time: new Date().toISOString(), msg, ...all }));
  }
}

function make(bound: LogFields): Logger {
  return {
    debug: (msg, f) => write("debug", bound, msg, f),
    info: (msg, f) => write("info", bound, msg, f),
    warn: (msg, f) => write("warn", bound, msg, f),
    error: (msg, f) => write("error", bound, msg, f),
    child: (fields) => make({ ...bound, ...fields }),
  };
}

export const log: Logger = make({});
