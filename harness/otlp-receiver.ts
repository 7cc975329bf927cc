// An OTLP/HTTP trace receiver in the test process, with no collector binary: it takes
// ExportTraceServiceRequest bodies in protobuf (http/protobuf) or JSON (http/json) and keeps
// the spans, or refuses them, or never answers, as a test says.
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import protobuf from "protobufjs";

/** A span as the receiver keeps it: ids in hex, times in nanoseconds, attributes as plain values. */
export interface ReceivedSpan {
  readonly service: string;
  readonly name: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly kind: number;
  readonly startNs: bigint;
  readonly endNs: bigint;
  readonly links: readonly { readonly traceId: string; readonly spanId: string }[];
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
}

/** The part of opentelemetry/proto/{collector/trace,trace,common,resource}/v1 a test reads; protobuf skips the rest. */
const OTLP_TRACE_PROTO = `
syntax = "proto3";
package otlp;
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message Resource { repeated KeyValue attributes = 1; }
message ScopeSpans { repeated Span spans = 2; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; bytes parent_span_id = 4; string name = 5; int32 kind = 6;
  fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8; repeated KeyValue attributes = 9;
  repeated Link links = 13;
}
message Link { bytes trace_id = 1; bytes span_id = 2; }
message KeyValue { string key = 1; AnyValue value = 2; }
message AnyValue { oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; } }
`;
const ExportRequest = protobuf.parse(OTLP_TRACE_PROTO, { keepCase: false }).root.lookupType("otlp.ExportTraceServiceRequest");

type AnyJson = Record<string, unknown>;

function hexOf(value: unknown): string {
  if (typeof value === "string") return value.toLowerCase(); // http/json: hex already
  if (value instanceof Uint8Array) return Buffer.from(value).toString("hex");
  return "";
}

function attributesOf(list: unknown): Record<string, string | number | boolean> {
  const attributes: Record<string, string | number | boolean> = {};
  for (const entry of (list as { key: string; value?: AnyJson }[] | undefined) ?? []) {
    const value = entry.value ?? {};
    // An int64 comes as a string (OTLP/JSON, protobufjs with longs as strings).
    if (value.intValue !== undefined) attributes[entry.key] = Number(String(value.intValue));
    else if (value.stringValue ?? value.boolValue ?? value.doubleValue)
      attributes[entry.key] = (value.stringValue ?? value.boolValue ?? value.doubleValue) as string | number | boolean;
  }
  return attributes;
}

/** The spans of a decoded request (protobufjs's object form and OTLP/JSON share field names in camelCase). */
function spansOf(request: AnyJson): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of (request.resourceSpans as AnyJson[] | undefined) ?? []) {
    const service = String(attributesOf((resourceSpans.resource as AnyJson | undefined)?.attributes)["service.name"] ?? "");
    for (const scope of (resourceSpans.scopeSpans as AnyJson[] | undefined) ?? []) {
      for (const span of (scope.spans as AnyJson[] | undefined) ?? []) {
        spans.push({
          service,
          name: String(span.name),
          traceId: hexOf(span.traceId),
          spanId: hexOf(span.spanId),
          parentSpanId: hexOf(span.parentSpanId),
          kind: Number(span.kind ?? 0),
          startNs: BigInt(String(span.startTimeUnixNano ?? 0)),
          endNs: BigInt(String(span.endTimeUnixNano ?? 0)),
          links: ((span.links as AnyJson[] | undefined) ?? []).map((link) => ({ traceId: hexOf(link.traceId), spanId: hexOf(link.spanId) })),
          attributes: attributesOf(span.attributes),
        });
      }
    }
  }
  return spans;
}

/** What the receiver does with an export: keep it, take it unread (a benchmark's sink), refuse it (503), or hold it unanswered. */
export type ReceiverMode = "accept" | "discard" | "refuse" | "hang";

export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  /** The content type of each export received, whatever the mode. */
  readonly contentTypes: string[] = [];
  mode: ReceiverMode = "accept";
  private server: Server | undefined;
  private readonly held = new Set<ServerResponse>();

  /** Starts listening on loopback; resolves with the base URL to give as OTEL_EXPORTER_OTLP_ENDPOINT. */
  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.receive(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== "POST" || req.url !== "/v1/traces") return void res.writeHead(404).end();
    const contentType = req.headers["content-type"] ?? "";
    this.contentTypes.push(contentType);
    if (this.mode === "hang") return void this.held.add(res);
    if (this.mode === "refuse") return void res.writeHead(503, { "retry-after": "0" }).end();
    const json = contentType.startsWith("application/json");
    if (this.mode === "discard") return void res.writeHead(200, { "content-type": json ? "application/json" : "application/x-protobuf" }).end(json ? "{}" : "");
    const body = Buffer.concat(chunks);
    const request = contentType.startsWith("application/json")
      ? (JSON.parse(body.toString("utf8")) as AnyJson)
      : (ExportRequest.toObject(ExportRequest.decode(body), { longs: String }) as AnyJson);
    this.spans.push(...spansOf(request));
    res.writeHead(200, { "content-type": json ? "application/json" : "application/x-protobuf" }).end(json ? "{}" : Buffer.alloc(0));
  }

  /** The spans of one trace. */
  trace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((span) => span.traceId === traceId);
  }

  async stop(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.server?.closeAllConnections();
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
  }
}

/**
 * A trace as text, one span per line under its parent, each with its service, its start after
 * the trace's first span and its duration (and the viewers of an edge's delivery): how
 * docs/observing.md shows a comment's path.
 */
export function renderTrace(spans: readonly ReceivedSpan[]): string {
  const byStart = (a: ReceivedSpan, b: ReceivedSpan) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0);
  const lines: string[] = [];
  const origin = spans.reduce((first, span) => (span.startNs < first ? span.startNs : first), spans[0]?.startNs ?? 0n);
  const ms = (ns: bigint) => (Number(ns) / 1e6).toFixed(2);
  const walk = (span: ReceivedSpan, depth: number) => {
    const viewers = span.attributes["livecomments.viewers"];
    lines.push(
      `${"  ".repeat(depth)}${span.name} [${span.service}] at +${ms(span.startNs - origin)} ms, took ${ms(span.endNs - span.startNs)} ms${viewers === undefined ? "" : `, ${viewers} viewers`}`,
    );
    for (const child of spans.filter((other) => other.parentSpanId === span.spanId).sort(byStart)) walk(child, depth + 1);
  };
  const ids = new Set(spans.map((span) => span.spanId));
  for (const root of spans.filter((span) => !ids.has(span.parentSpanId)).sort(byStart)) walk(root, 0);
  return lines.join("\n");
}
