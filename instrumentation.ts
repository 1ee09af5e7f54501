import { SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { registerOTel } from "@vercel/otel";
import { LogSpanExporter } from "@/lib/trace/log-span-exporter";

/**
 * OpenTelemetry for every runtime (Node and Edge). By default spans go where the
 * environment says (`OTEL_EXPORTER_OTLP_ENDPOINT`, or Vercel's integration); with
 * `BIBLIO_TRACE=1` they are printed as log lines instead (see lib/trace).
 */
export function register() {
  const printSpans = process.env.BIBLIO_TRACE === "1";
  registerOTel({
    serviceName: "biblio",
    spanProcessors: printSpans ? [new SimpleSpanProcessor(new LogSpanExporter())] : ["auto"],
  });
}
