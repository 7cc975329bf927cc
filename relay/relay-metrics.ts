import { Counter, Histogram } from "prom-client";
import type { LogEvent } from "../core/log-event.js";
import { commentsOf } from "../core/log-event.js";
import type { Registry } from "../core/metrics.js";
import { LATENCY_BUCKETS, METRIC_PREFIX, scrapedCounter, scrapedGauge } from "../core/metrics.js";
import type { FanoutRelay } from "./fanout-relay.js";
import type { Firehose } from "./firehose.js";

/** What the relay reports: its subscribers and rings (read at scrape time) and what it reads. */
export class RelayMetrics {
  private readonly consumed: Counter;
  private readonly delay: Histogram;

  constructor(registry: Registry, relay: FanoutRelay, firehose: Firehose) {
    scrapedGauge(registry, "relay_subscribers", "Live subscriptions of edges, all streams together.", () => relay.subscriberCount);
    scrapedGauge(
      registry,
      "relay_firehose_subscribers",
      "Open FanoutRelay.SubscribeAll calls, each a reader of the whole log.",
      () => firehose.subscriberCount,
    );
    scrapedCounter(
      registry,
      "relay_firehose_stalled_total",
      "SubscribeAll calls ended (RESOURCE_EXHAUSTED) for reading nothing for LC_FIREHOSE_STALL_MS while their queue was full.",
      () => firehose.stalledCount,
    );
    scrapedGauge(registry, "relay_rings", "Streams with a ring of recent comments.", () => relay.ringCount);
    scrapedGauge(registry, "relay_ring_bytes", "Approximate bytes held by all rings.", () => relay.ringBytes);
    this.consumed = new Counter({
      name: `${METRIC_PREFIX}relay_comments_consumed_total`,
      help: "Comments the relay read from the log.",
      registers: [registry],
    });
    this.delay = new Histogram({
      name: `${METRIC_PREFIX}relay_log_delay_seconds`,
      help: "Age of a comment (from its server_ts) when the relay reads it from the log: how far the relay lags.",
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });
  }

  /** Counts a batch read from the log and how old its newest comment was. */
  consumedBatch(batch: readonly LogEvent[], now: number): void {
    const comments = commentsOf(batch);
    this.consumed.inc(comments.length);
    const newest = comments[comments.length - 1];
    if (newest) this.delay.observe(Math.max(0, now - newest.serverTs) / 1000);
  }
}
