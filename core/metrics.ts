import type { ServerResponse } from "node:http";
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import { LcError } from "./errors.js";
import { traceExportStats } from "./tracing.js";

export type { Registry } from "prom-client";

/** Prefix of every metric of ours; the process and Node.js ones keep their standard names. */
export const METRIC_PREFIX = "livecomments_";

/** How often the event loop's delay is sampled for `nodejs_eventloop_lag_*`. */
const EVENT_LOOP_SAMPLE_MS = 100;

/**
 * The metrics registry of one process: the standard process and Node.js metrics (CPU, memory,
 * event-loop lag, GC) and `livecomments_build_info{version,node_version}`, each series labelled
 * with the process's role.
 */
export function createMetricsRegistry(role: string, version: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ role });
  new Gauge({
    name: `${METRIC_PREFIX}build_info`,
    help: "Always 1: the version of Live Comments and of Node.js this process runs.",
    labelNames: ["version", "node_version"],
    registers: [registry],
  }).set({ version, node_version: process.versions.node }, 1);
  const exports: [string, string, keyof typeof traceExportStats][] = [
    ["trace_spans_exported_total", "Spans the OTLP exporter delivered.", "exported"],
    ["trace_spans_dropped_total", "Spans dropped: the export queue was full, or their export failed.", "dropped"],
    ["trace_export_failures_total", "Exports of spans that failed or were not answered in time (OTEL_BSP_EXPORT_TIMEOUT).", "failedExports"],
  ];
  for (const [name, help, stat] of exports) scrapedCounter(registry, name, help, () => traceExportStats[stat]);
  // The event-loop delay is sampled by a timer: at prom-client's default of 10 ms it wakes an
  // idle role 100 times a second (0.2 % of a core per process); 100 ms still catches any stall
  // that matters to a viewer.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  return registry;
}

/** A registry nothing reads, for code run without metrics (tests, tools). */
export function unreadRegistry(): Registry {
  return new Registry();
}

/** Writes the registry in the Prometheus text format. */
export async function sendMetrics(res: ServerResponse, registry: Registry): Promise<void> {
  const body = await registry.metrics();
  res.writeHead(200, { "content-type": registry.contentType, "content-length": Buffer.byteLength(body), "cache-control": "no-store" });
  res.end(body);
}

/** The reason label of a refusal: the error's reason, or `internal` for anything unexpected. */
export function reasonOf(error: unknown): string {
  return error instanceof LcError ? error.reason : "internal";
}

/** Buckets (seconds) for calls that take from a millisecond to several seconds. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Counts a cache's lookups as hits or misses in `livecomments_cache_lookups_total{cache,result}`,
 * one counter per registry that every cache of the process shares.
 */
export function cacheLookups(registry: Registry, cache: string): (hit: boolean) => void {
  const name = `${METRIC_PREFIX}cache_lookups_total`;
  const counter =
    (registry.getSingleMetric(name) as Counter<"cache" | "result"> | undefined) ??
    new Counter({ name, help: "Cache lookups, by cache and result (hit or miss).", labelNames: ["cache", "result"], registers: [registry] });
  const hits = counter.labels({ cache, result: "hit" });
  const misses = counter.labels({ cache, result: "miss" });
  return (hit) => (hit ? hits : misses).inc();
}

/** A counter whose total is read from `read` (a count that only grows) when the registry is scraped. */
export function scrapedCounter(registry: Registry, name: string, help: string, read: () => number): Counter {
  let counted = 0;
  return new Counter({
    name: `${METRIC_PREFIX}${name}`,
    help,
    registers: [registry],
    collect() {
      const total = read();
      this.inc(total - counted);
      counted = total;
    },
  });
}

/** A gauge whose value is read from `read` when the registry is scraped. */
export function scrapedGauge(registry: Registry, name: string, help: string, read: () => number): Gauge {
  return new Gauge({
    name: `${METRIC_PREFIX}${name}`,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}
