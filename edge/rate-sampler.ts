import type { Comment } from "../core/comment.js";
import { evenSample } from "../core/even-sample.js";

/** What a sampler keeps of a batch. */
export interface Sample {
  readonly kept: readonly Comment[];
  /** The comments of this batch that were left out. */
  readonly omitted: readonly Comment[];
  /** How many were left out since the last batch that kept something, this one included. */
  readonly omittedCount: number;
  /** The first seq of that span: where the batches reported together begin. */
  readonly firstSeq: number;
}

/**
 * A fair per-viewer rate cap: a token bucket of `maxRate` comments per second (one second of
 * burst), and when a batch holds more than the tokens allow, an evenly spaced sample of it, so
 * what is shown keeps the shape of the conversation. A batch that keeps nothing is counted
 * into the next one that does.
 */
export class RateSampler {
  private tokens: number;
  private updatedAt: number;
  private carriedOmitted = 0;
  private carriedFirstSeq: number | undefined;

  constructor(
    private readonly maxRate: number,
    private readonly now: () => number,
  ) {
    this.tokens = maxRate;
    this.updatedAt = now();
  }

  /** Samples a batch (in seq order); undefined when nothing of it is kept. */
  sample(batch: readonly Comment[]): Sample | undefined {
    const now = this.now();
    this.tokens = Math.min(this.maxRate, this.tokens + ((now - this.updatedAt) * this.maxRate) / 1000);
    this.updatedAt = now;
    const keep = Math.min(batch.length, Math.floor(this.tokens));
    this.carriedFirstSeq ??= batch[0]!.seq;
    if (keep === 0) {
      this.carriedOmitted += batch.length;
      return undefined;
    }
    this.tokens -= keep;
    const { kept, omitted } = keep < batch.length ? evenSample(batch, keep) : { kept: batch, omitted: [] };
    const sample = { kept, omitted, omittedCount: this.carriedOmitted + omitted.length, firstSeq: this.carriedFirstSeq };
    this.carriedOmitted = 0;
    this.carriedFirstSeq = undefined;
    return sample;
  }
}
