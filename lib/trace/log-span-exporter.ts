import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { log } from "@/lib/log";

const NS_PER_MS = 1_000_000;

/**
 * `BIBLIO_TRACE=1`: every finished span about an upload becomes one log line (`msg: "span"`)
 * in the same stream and format as the app's logs, so one upload's trace is a grep for its
 * trace id; `BIBLIO_TRACE=all` prints Next's, fetch's and better-auth's spans too.
 * No collector needed locally; in production set OTEL_EXPORTER_OTLP_ENDPOINT instead.
 */
export class LogSpanExporter implements SpanExporter {
  constructor(private readonly all = false) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    for (const span of spans) {
      if (!this.all && span.attributes["upload.id"] === undefined) continue;
      const ctx = span.spanContext();
      const [s, ns] = span.duration;
      const attrs = span.attributes;
      log.info("span", {
        span: span.name,
        traceId: ctx.traceId,
        spanId: ctx.spanId,
        parentSpanId: span.parentSpanContext?.spanId,
        durationMs: Math.round((s * 1_000 + ns / NS_PER_MS) * 10) / 10,
        status: span.status.code === 2 ? "error" : "ok",
        error: span.status.message || undefined,
        uploadId: attrs["upload.id"],
        attributes: Object.fromEntries(Object.entries(attrs).filter(([k]) => k !== "upload.id")),
      });
    }
    done({ code: ExportResultCode.SUCCESS });
  }

  async shutdown(): Promise<void> {}
}
