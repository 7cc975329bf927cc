import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, propagation, trace } from "@opentelemetry/api";
import type { Attributes, Context, Link, Span, SpanContext, TextMapGetter } from "@opentelemetry/api";

export type { Context, Span } from "@opentelemetry/api";

/**
 * Tracing is OpenTelemetry's API; the SDK behind it is loaded by the process's wiring only when an
 * OTLP endpoint is set. Until then `tracingOn()` is false and hot paths make no call at all, so
 * tracing off costs one boolean test per hop.
 */
let on = false;

/** Called by the wiring once an SDK is registered as the global tracer provider. */
export function enableTracing(): void {
  on = true;
}

/** Whether spans are made at all. */
export function tracingOn(): boolean {
  return on;
}

/** The tracer every span of Live Comments comes from. */
function tracer() {
  return trace.getTracer("livecomments");
}

/** Most links one span keeps: a batch of thousands of comments links to the first ones only. */
const MAX_SPAN_LINKS = 128;

const TRACE_PARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** A span's context as a W3C traceparent, or undefined when the span is not sampled (nothing after it traces). */
export function traceParentOf(span: Span): string | undefined {
  const { traceId, spanId, traceFlags } = span.spanContext();
  if ((traceFlags & TraceFlags.SAMPLED) === 0) return undefined;
  return `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, "0")}`;
}

/** The span context a traceparent names, as a remote parent; undefined for a malformed one. */
function spanContextOf(traceParent: string): SpanContext | undefined {
  const match = TRACE_PARENT.exec(traceParent);
  if (!match || /^0+$/.test(match[1]!) || /^0+$/.test(match[2]!)) return undefined;
  return { traceId: match[1]!, spanId: match[2]!, traceFlags: Number.parseInt(match[3]!, 16), isRemote: true };
}

/** Links to the spans that appended these records, at most {@link MAX_SPAN_LINKS}; empty when none was traced. */
function linksTo(traceParents: Iterable<string | undefined>): Link[] {
  const links: Link[] = [];
  for (const traceParent of traceParents) {
    if (traceParent === undefined) continue;
    const linked = spanContextOf(traceParent);
    if (linked) links.push({ context: linked });
    if (links.length === MAX_SPAN_LINKS) break;
  }
  return links;
}

/**
 * A span for a hop that handles records of several posts at once (the relay's, the edge's, the
 * archive's batch): made only when one of them was traced, as the child of the first traced one
 * and linked to every traced one, so each post's trace reaches it. Undefined when none was traced.
 */
export function startBatchSpan(name: string, traceParents: Iterable<string | undefined>, attributes: Attributes): Span | undefined {
  if (!on) return undefined;
  const links = linksTo(traceParents);
  if (links.length === 0) return undefined;
  const parent = trace.setSpanContext(ROOT_CONTEXT, links[0]!.context);
  return tracer().startSpan(name, { kind: SpanKind.CONSUMER, links, attributes }, parent);
}

/** The traceparents of the traced records among `events`. */
export function* tracedOf(events: Iterable<{ readonly traceParent?: string }>): Iterable<string> {
  for (const event of events) if (event.traceParent !== undefined) yield event.traceParent;
}

/** A child of `parent`, for a step of the work it covers. */
export function childSpan(parent: Span, name: string, attributes: Attributes): Span {
  return tracer().startSpan(name, { attributes }, trace.setSpan(ROOT_CONTEXT, parent));
}

/** Reads carriers whose values are strings or string arrays (HTTP headers). */
const HEADERS_GETTER: TextMapGetter<Readonly<Record<string, string | string[] | undefined>>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};

/** The context a request's `traceparent` and `tracestate` headers name; the root context without them. */
export function contextFromHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): Context {
  return propagation.extract(ROOT_CONTEXT, headers, HEADERS_GETTER);
}

/** The span of a request this process serves, in the trace `parent` names (a caller's traceparent). */
export function startRequestSpan(name: string, parent: Context, attributes: Attributes): Span {
  return tracer().startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
}

/** Ends a request's span with its HTTP status: a 5xx is the server's failure. */
export function endRequestSpan(span: Span, status: number): void {
  span.setAttribute("http.response.status_code", status);
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

/** Ends a span as failed by `error`. */
export function endFailed(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  span.end();
}

/**
 * The span of the request an object belongs to (an HTTP request, a gRPC call's metadata): spans
 * travel with the work explicitly, so no context manager (AsyncLocalStorage) runs under every
 * promise of the process.
 */
const requestSpans = new WeakMap<object, Span>();

/** Ties `span` to a request. */
export function tagRequestSpan(request: object, span: Span): void {
  requestSpans.set(request, span);
}

/** The span of a request, if it has one. */
export function requestSpanOf(request: object): Span | undefined {
  return requestSpans.get(request);
}

/**
 * Runs `work` in a child span of `parent` named `name`, ended when it settles, and hands it the
 * child. Without a parent that records (tracing off, or a post not sampled), just runs it.
 */
export async function inSpan<T>(name: string, attributes: Attributes, parent: Span | undefined, work: (span: Span | undefined) => Promise<T>): Promise<T> {
  if (!parent?.isRecording()) return work(undefined);
  const span = childSpan(parent, name, attributes);
  try {
    const result = await work(span);
    span.end();
    return result;
  } catch (error) {
    endFailed(span, error);
    throw error;
  }
}

/** `trace_id` and `span_id` for a log line written in `span`; nothing outside a recording span. */
export function traceFieldsOf(span: Span | undefined): { trace_id?: string; span_id?: string } {
  if (!span?.isRecording()) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

/** What the span exporter did, for `livecomments_trace_*` metrics. */
export const traceExportStats = { exported: 0, dropped: 0, failedExports: 0 };
