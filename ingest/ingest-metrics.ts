import { Counter, Histogram } from "prom-client";
import type { Registry } from "../core/metrics.js";
import { LATENCY_BUCKETS, METRIC_PREFIX, reasonOf } from "../core/metrics.js";

/** What the write path counts. */
export class IngestMetrics {
  private readonly accepted: Counter;
  private readonly rejected: Counter<"reason">;
  /** Seconds from handing a comment to the log until it is durable. */
  readonly appendSeconds: Histogram;

  constructor(registry: Registry) {
    this.accepted = new Counter({ name: `${METRIC_PREFIX}comments_accepted_total`, help: "Comments accepted (answered 202).", registers: [registry] });
    this.rejected = new Counter({
      name: `${METRIC_PREFIX}comments_rejected_total`,
      help: "Comment posts refused, by reason (invalid_argument, rate_limited, unauthenticated, log_unavailable, ...).",
      labelNames: ["reason"],
      registers: [registry],
    });
    this.appendSeconds = new Histogram({
      name: `${METRIC_PREFIX}log_append_duration_seconds`,
      help: "Time from handing a comment to the log until it is durable.",
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });
  }

  /** Runs one post and counts it as accepted, or as rejected by the reason it failed with. */
  async countPost<T>(post: () => Promise<T>): Promise<T> {
    try {
      const result = await post();
      this.accepted.inc();
      return result;
    } catch (error) {
      this.rejected.inc({ reason: reasonOf(error) });
      throw error;
    }
  }
}
