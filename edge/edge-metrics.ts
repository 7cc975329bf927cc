import { Counter, Gauge, Histogram } from "prom-client";
import type { Registry } from "../core/metrics.js";
import { METRIC_PREFIX, scrapedGauge } from "../core/metrics.js";
import type { Frame } from "./comment-frames.js";
import type { Viewers } from "./viewers.js";

/** Most streams reported with a series of their own; the rest are summed under `other`. */
export const MAX_STREAM_SERIES = 500;

/** What an edge reports: its viewers per stream (read at scrape time) and what it sends. */
export class EdgeMetrics {
  private readonly deliveries: Counter;
  private readonly batchSizes: Histogram;
  private readonly cutOffs: Counter;

  constructor(registry: Registry, viewers: Viewers) {
    scrapedGauge(registry, "edge_viewers", "Open SSE connections on this edge.", () => viewers.size);
    new Gauge({
      name: `${METRIC_PREFIX}edge_stream_viewers`,
      help: `Open SSE connections per stream; past the ${MAX_STREAM_SERIES} most watched, the rest are summed under stream_id="other".`,
      labelNames: ["stream_id"],
      registers: [registry],
      collect() {
        this.reset();
        const busiest = [...viewers.counts()].sort((a, b) => b[1] - a[1]);
        for (const [streamId, count] of busiest.slice(0, MAX_STREAM_SERIES)) this.set({ stream_id: streamId }, count);
        const rest = busiest.slice(MAX_STREAM_SERIES).reduce((sum, [, count]) => sum + count, 0);
        if (rest > 0) this.set({ stream_id: "other" }, rest);
      },
    });
    this.deliveries = new Counter({
      name: `${METRIC_PREFIX}edge_deliveries_total`,
      help: "Comments written to viewers: each comment counted once per viewer.",
      registers: [registry],
    });
    this.batchSizes = new Histogram({
      name: `${METRIC_PREFIX}edge_batch_comments`,
      help: "Comments per frame (SSE event) an edge serialises, once for all viewers of a feed.",
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
      registers: [registry],
    });
    this.cutOffs = new Counter({
      name: `${METRIC_PREFIX}edge_slow_viewers_dropped_total`,
      help: "Viewers cut off because their unsent bytes passed the limit (they reconnect and resume).",
      registers: [registry],
    });
  }

  /** A frame was serialised for a feed. */
  framed(frame: Frame): void {
    if (frame.kind === "comments" && frame.comments.length > 0) this.batchSizes.observe(frame.comments.length);
  }

  /** A frame went to `viewers` viewers. */
  delivered(frame: Frame, viewers: number): void {
    if (frame.kind === "comments") this.deliveries.inc(frame.comments.length * viewers);
  }

  slowViewerDropped(): void {
    this.cutOffs.inc();
  }
}
