import { TraceFlags } from "@opentelemetry/api";
import type { Context } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from "@opentelemetry/sdk-trace";
import type { Logger } from "../core/logger.js";
import { traceExportStats } from "../core/tracing.js";

/** Bounds of the span queue and its exports (the `OTEL_BSP_*` variables). */
export interface SpanExportLimits {
  /** Spans waiting for export; past it, new spans are dropped and counted. */
  readonly maxQueueSize: number;
  readonly maxExportBatchSize: number;
  /** How long a span may wait for a batch to fill. */
  readonly scheduleDelayMs: number;
  /** An export not answered in this time counts as failed, and the next one may start. */
  readonly exportTimeoutMs: number;
}

/** How often failed exports are logged: once, then at most once per this period with their count. */
const FAILURE_LOG_PERIOD_MS = 60_000;

/**
 * Hands sampled spans to an exporter in batches, never holding up the code that ended them: the
 * queue is bounded (a full one drops and counts), one export is out at a time, and an export that
 * does not answer in time counts as failed so a hanging collector cannot stop the next batch.
 * An unreachable collector is logged once a minute, not once per span.
 */
export class BoundedSpanProcessor implements SpanProcessor {
  private readonly queue: ReadableSpan[] = [];
  private exporting: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;
  private lastFailureLoggedAt = -Infinity;
  private failuresSinceLogged = 0;
  private stopped = false;

  constructor(
    private readonly exporter: SpanExporter,
    private readonly limits: SpanExportLimits,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => void this.exportNext(), limits.scheduleDelayMs).unref();
  }

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    if (this.stopped || (span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.queue.length >= this.limits.maxQueueSize) {
      traceExportStats.dropped++;
      return;
    }
    this.queue.push(span);
    if (this.queue.length >= this.limits.maxExportBatchSize) void this.exportNext();
  }

  /** Exports the next batch unless one is out; resolves when that batch is settled. */
  private exportNext(): Promise<void> {
    if (this.exporting || this.queue.length === 0) return this.exporting ?? Promise.resolve();
    const batch = this.queue.splice(0, this.limits.maxExportBatchSize);
    this.exporting = new Promise<void>((resolve) => {
      let settled = false;
      const settle = (error: Error | undefined) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        if (error) this.failed(batch.length, error);
        else traceExportStats.exported += batch.length;
        this.exporting = undefined;
        resolve();
        if (this.queue.length >= this.limits.maxExportBatchSize) void this.exportNext();
      };
      const deadline = setTimeout(() => settle(new Error(`no answer in ${this.limits.exportTimeoutMs} ms`)), this.limits.exportTimeoutMs);
      try {
        this.exporter.export(batch, (result) => settle(result.code === 0 ? undefined : (result.error ?? new Error("export failed"))));
      } catch (error) {
        settle(error instanceof Error ? error : new Error(String(error)));
      }
    });
    return this.exporting;
  }

  private failed(spans: number, error: Error): void {
    traceExportStats.failedExports++;
    traceExportStats.dropped += spans;
    this.failuresSinceLogged++;
    const now = performance.now();
    if (now - this.lastFailureLoggedAt < FAILURE_LOG_PERIOD_MS) return;
    this.logger.warn("cannot export spans; dropping them (logged at most once a minute)", {
      failedExports: this.failuresSinceLogged,
      droppedSpans: traceExportStats.dropped,
      err: error,
    });
    this.lastFailureLoggedAt = now;
    this.failuresSinceLogged = 0;
  }

  /** Exports what is queued, batch by batch, for at most the export timeout overall. */
  async forceFlush(): Promise<void> {
    const deadline = performance.now() + this.limits.exportTimeoutMs;
    while ((this.queue.length > 0 || this.exporting) && performance.now() < deadline) {
      await (this.exporting ?? this.exportNext());
    }
  }

  async shutdown(): Promise<void> {
    if (this.stopped) return;
    clearInterval(this.timer);
    await this.forceFlush();
    this.stopped = true;
    await this.exporter.shutdown();
  }
}
