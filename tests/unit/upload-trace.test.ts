import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { log } from "@/lib/log";
import { parseTraceparent, traceHeadersFor, uploadTraceId, withUploadSpan } from "@/lib/trace/upload-trace";

const UPLOAD = "upl_0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
const TRACE = "0199a1b2c3d47e5f8a9b0c1d2e3f4a5b";
const exporter = new InMemorySpanExporter();
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
});
afterEach(() => exporter.reset());
afterAll(() => {
  trace.disable();
  context.disable();
});

describe("one trace per upload", () => {
  it("takes the trace id from the upload id's UUID", () => {
    expect(uploadTraceId(UPLOAD)).toBe(TRACE);
    expect(uploadTraceId("upl_not-a-uuid")).toBeNull();
  });

  it("reads only well-formed traceparent headers", () => {
    expect(parseTraceparent(`00-${TRACE}-00f067aa0ba902b7-01`)).toMatchObject({ traceId: TRACE, spanId: "00f067aa0ba902b7", isRemote: true });
    expect(parseTraceparent(`00-${TRACE}-0000000000000000-01`)).toBeNull();
    expect(parseTraceparent("garbage")).toBeNull();
    expect(parseTraceparent(null)).toBeNull();
  });

  it("puts every span about an upload in its trace, nested spans under their parent", async () => {
    await withUploadSpan("upload.confirm", UPLOAD, () => withUploadSpan("qstash.publish", UPLOAD, async () => undefined));
    const [inner, outer] = exporter.getFinishedSpans();
    expect(outer?.name).toBe("upload.confirm");
    expect(inner?.spanContext().traceId).toBe(TRACE);
    expect(outer?.spanContext().traceId).toBe(TRACE);
    expect(inner?.parentSpanContext?.spanId).toBe(outer?.spanContext().spanId);
    expect(outer?.attributes["upload.id"]).toBe(UPLOAD);
  });

  it("hangs a delivery under the span that published it, and ignores a traceparent of another trace", async () => {
    let sent: Record<string, string> = {};
    await withUploadSpan("qstash.publish", UPLOAD, async () => {
      sent = traceHeadersFor(UPLOAD);
    });
    const publish = exporter.getFinishedSpans()[0]!;
    expect(sent.traceparent).toBe(`00-${TRACE}-${publish.spanContext().spanId}-01`);

    await withUploadSpan("job.deliver", UPLOAD, async () => undefined, { traceparent: sent.traceparent });
    const deliver = exporter.getFinishedSpans()[1]!;
    expect(deliver.spanContext().traceId).toBe(TRACE);
    expect(deliver.parentSpanContext?.spanId).toBe(publish.spanContext().spanId);

    await withUploadSpan("job.deliver", UPLOAD, async () => undefined, { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" });
    const stray = exporter.getFinishedSpans()[2]!;
    expect(stray.spanContext().traceId).toBe(TRACE);
    expect(stray.parentSpanContext?.spanId).not.toBe("00f067aa0ba902b7");
  });

  it("marks a failing span and rethrows", async () => {
    await expect(withUploadSpan("processor.probe", UPLOAD, async () => Promise.reject(new Error("corrupt")))).rejects.toThrow("corrupt");
    const span = exporter.getFinishedSpans()[0]!;
    expect(span.status).toMatchObject({ code: 2, message: "corrupt" });
  });

  it("writes the trace id on log lines inside a span, and on upload lines outside one", async () => {
    vi.stubEnv("LOG_FORMAT", "json");
    const lines: string[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(line));
    try {
      await withUploadSpan("upload.create", UPLOAD, async () => log.info("inside"));
      log.info("outside", { uploadId: UPLOAD });
      log.info("unrelated");
    } finally {
      spy.mockRestore();
      vi.unstubAllEnvs();
    }
    const [inside, outside, unrelated] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(inside?.traceId).toBe(TRACE);
    expect(outside?.traceId).toBe(TRACE);
    expect(unrelated?.traceId).toBeUndefined();
  });
});
