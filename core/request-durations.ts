import { Histogram } from "prom-client";
import type { Registry } from "prom-client";
import { LATENCY_BUCKETS, METRIC_PREFIX } from "./metrics.js";

/** Records one HTTP request: its route template (never its raw path), method and status. */
export type HttpRequestRecorder = (route: string, method: string, status: number, seconds: number) => void;

/** Methods kept as themselves in a label; any other is `other`, so a client cannot add series. */
const KNOWN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** The route label of a request no route matched: every unknown path shares it. */
export const UNMATCHED_ROUTE = "unmatched";

/** `livecomments_http_request_duration_seconds{route,method,status}` on `registry`. */
export function httpRequestDurations(registry: Registry): HttpRequestRecorder {
  const histogram = new Histogram({
    name: `${METRIC_PREFIX}http_request_duration_seconds`,
    help: "HTTP requests, by route template, method and status: from the request's head to its last byte (streams are counted by the edge's viewer metrics).",
    labelNames: ["route", "method", "status"],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  return (route, method, status, seconds) =>
    histogram.observe({ route, method: KNOWN_METHODS.has(method) ? method : "other", status: String(status) }, seconds);
}

/** Records one gRPC call: its method (`package.Service/Method`) and status code name. */
export type GrpcCallRecorder = (method: string, code: string, seconds: number) => void;

/** `livecomments_grpc_request_duration_seconds{method,code}` on `registry`. */
export function grpcRequestDurations(registry: Registry): GrpcCallRecorder {
  const histogram = new Histogram({
    name: `${METRIC_PREFIX}grpc_request_duration_seconds`,
    help: "gRPC calls, by method and status code: from the call's start to its status (a stream's whole life).",
    labelNames: ["method", "code"],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  return (method, code, seconds) => histogram.observe({ method, code }, seconds);
}
