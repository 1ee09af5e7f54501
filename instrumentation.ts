import { SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { registerOTel } from "@vercel/otel";
import { LogSpanExporter } from "@/lib/trace/log-span-exporter";

/**
 * OpenTelemetry for every runtime (Node and Edge), on when there is somewhere to send
 * spans: `BIBLIO_TRACE=1` (or `all`) prints them as log lines (lib/trace/log-span-exporter.ts);
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (or Vercel's integration) exports them over OTLP.
 * Without either, no SDK runs; log lines still carry each upload's trace id.
 */
export function register() {
  const printSpans = process.env.BIBLIO_TRACE === "1" || process.env.BIBLIO_TRACE === "all";
  const exportSpans = Boolean(process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || process.env.VERCEL);
  if (!printSpans && !exportSpans) return;
  registerOTel({
    serviceName: "biblio",
    spanProcessors: printSpans ? [new SimpleSpanProcessor(new LogSpanExporter(process.env.BIBLIO_TRACE === "all"))] : ["auto"],
  });
}
