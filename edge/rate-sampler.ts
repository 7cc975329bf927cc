import type { Comment } from "../core/comment.js";
import { evenSample } from "../core/even-sample.js";

/** What a sampler keeps of a batch. */
export interface Sample {
  /** Possibly none: the batch is then reported by its count alone. */
  readonly kept: readonly Comment[];
  /** The comments of this batch that were left out. */
  readonly omitted: readonly Comment[];
}

/**
 * A fair per-viewer rate cap: a token bucket of `maxRate` comments per second (one second of
 * burst), and when a batch holds more than the tokens allow, an evenly spaced sample of it, so
 * what is shown keeps the shape of the conversation. A batch that keeps nothing is still a
 * sample: what it left out is told at once (the stream may go quiet after it), and a viewer's
 * own comments in it still reach that viewer.
 */
export class RateSampler {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly maxRate: number,
    private readonly now: () => number,
  ) {
    this.tokens = maxRate;
    this.updatedAt = now();
  }

  /** Samples a batch (in seq order). */
  sample(batch: readonly Comment[]): Sample {
    const now = this.now();
    this.tokens = Math.min(this.maxRate, this.tokens + ((now - this.updatedAt) * this.maxRate) / 1000);
    this.updatedAt = now;
    const keep = Math.min(batch.length, Math.floor(this.tokens));
    if (keep === 0) return { kept: [], omitted: batch };
    this.tokens -= keep;
    return keep < batch.length ? evenSample(batch, keep) : { kept: batch, omitted: [] };
  }
}
