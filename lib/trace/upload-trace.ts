import { type Attributes, type Context, context, type Link, type Span, type SpanContext, SpanStatusCode, TraceFlags, trace } from "@opentelemetry/api";

/**
 * One trace per upload. The trace id is the upload id's UUIDv7 (both are 128 bits), so
 * every hop — create, confirm by any trigger, publish, each QStash delivery, every
 * processor, the sweep — lands in the same trace even when no header carried the
 * context there (a Ceph notification, a sweep takeover). Where a `traceparent` did
 * travel (QStash forwards it), the span hangs under the span that published.
 * Works without a registered SDK too: the spans are then non-recording, but logs still
 * read the trace id from the active span.
 */
const tracer = () => trace.getTracer("biblio");

export function uploadTraceId(uploadId: string): string | null {
  const hex = uploadId.replace(/^upl_/, "").replaceAll("-", "").toLowerCase();
  return /^[0-9a-f]{32}$/.test(hex) && !/^0+$/.test(hex) ? hex : null;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export function parseTraceparent(value: string | null | undefined): SpanContext | null {
  const m = value ? TRACEPARENT.exec(value.trim().toLowerCase()) : null;
  if (!m || /^0+$/.test(m[2] as string)) return null;
  return { traceId: m[1] as string, spanId: m[2] as string, traceFlags: Number.parseInt(m[3] as string, 16), isRemote: true };
}

/** The active span's context as a W3C `traceparent`, to hand to the next hop. */
export function currentTraceparent(): string | null {
  const sc = trace.getActiveSpan()?.spanContext();
  if (!sc || !trace.isSpanContextValid(sc)) return null;
  return `00-${sc.traceId}-${sc.spanId}-0${(sc.traceFlags & TraceFlags.SAMPLED).toString(16)}`;
}

/**
 * The parent of a span about this upload: the active span when it is already in the
 * upload's trace; else the forwarded `traceparent` when it is; else a stand-in root
 * whose span id is fixed per upload, so hops without a carried context are siblings.
 */
function uploadParent(uploadId: string, traceparent: string | null | undefined): { parent: Context; links: Link[] } {
  const active = context.active();
  const traceId = uploadTraceId(uploadId);
  const current = trace.getSpanContext(active);
  if (!traceId || current?.traceId === traceId) return { parent: active, links: [] };
  const forwarded = parseTraceparent(traceparent);
  const remote: SpanContext =
    forwarded?.traceId === traceId ? forwarded : { traceId, spanId: traceId.slice(16), traceFlags: TraceFlags.SAMPLED, isRemote: true };
  // The request's own span (another trace) stays reachable through a link.
  const links = current && trace.isSpanContextValid(current) ? [{ context: current }] : [];
  return { parent: trace.setSpanContext(active, remote), links };
}

/** Runs `fn` in a span of the upload's trace; an exception marks the span failed and is rethrown. */
export function withUploadSpan<T>(
  name: string,
  uploadId: string,
  fn: (span: Span) => Promise<T>,
  opts: { attributes?: Attributes; traceparent?: string | null } = {},
): Promise<T> {
  const { parent, links } = uploadParent(uploadId, opts.traceparent);
  return tracer().startActiveSpan(name, { attributes: { "upload.id": uploadId, ...opts.attributes }, links }, parent, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The `traceparent` to send with a message about this upload: the active span, else the upload's stand-in root. */
export function traceparentFor(uploadId: string): string | null {
  const traceId = uploadTraceId(uploadId);
  const current = currentTraceparent();
  if (current && traceId && current.includes(`-${traceId}-`)) return current;
  return traceId ? `00-${traceId}-${traceId.slice(16)}-01` : current;
}

/** Headers for a QStash publish; the SDK sends them as `Upstash-Forward-traceparent`. */
export function traceHeadersFor(uploadId: string): Record<string, string> {
  const traceparent = traceparentFor(uploadId);
  return traceparent ? { traceparent } : {};
}
