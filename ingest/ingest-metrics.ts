import { Counter, Histogram } from "prom-client";
import type { Registry } from "../core/metrics.js";
import { LATENCY_BUCKETS, METRIC_PREFIX, reasonOf } from "../core/metrics.js";

/** What the write path counts. */
export class IngestMetrics {
  private readonly accepted: Counter;
  private readonly rejected: Counter<"reason">;
  /** Seconds from handing a comment to the log until it is durable. */
  readonly appendSeconds: Histogram;
  private readonly reviewVerdicts: Counter<"verdict">;
  private readonly reviewFailures: Counter<"cause">;
  private readonly reviewSeconds: Histogram;

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
    this.reviewVerdicts = new Counter({
      name: `${METRIC_PREFIX}review_verdicts_total`,
      help: "Comments reviewed by the review hook, by what they became (allow, hold, reject), failures included.",
      labelNames: ["verdict"],
      registers: [registry],
    });
    this.reviewFailures = new Counter({
      name: `${METRIC_PREFIX}review_failures_total`,
      help: "Reviews that failed, by cause (timeout, error, unspecified, overloaded); the post then followed LC_REVIEW_ON_FAILURE.",
      labelNames: ["cause"],
      registers: [registry],
    });
    this.reviewSeconds = new Histogram({
      name: `${METRIC_PREFIX}review_duration_seconds`,
      help: "Time from asking the review hook until its answer, or its failure.",
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });
  }

  /** Counts one review. */
  reviewed(outcome: { verdict: string; failure?: string; seconds: number }): void {
    this.reviewVerdicts.inc({ verdict: outcome.verdict });
    if (outcome.failure !== undefined) this.reviewFailures.inc({ cause: outcome.failure });
    this.reviewSeconds.observe(outcome.seconds);
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
