import type { TokenBucketRule } from "../../core/token-bucket.js";

/** The answer to one rate-limit check. */
export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };

/** One bucket a request must take a token from. */
export interface BucketClaim {
  readonly key: string;
  readonly rule: TokenBucketRule;
}

/**
 * Token-bucket rate limits shared by every ingest process of a deployment.
 * Guarantee: `take` is atomic; two callers never both get the last token of a bucket, and a
 * request takes a token from every bucket it names or from none.
 */
export interface RateLimiter {
  /**
   * Takes one token from each bucket when all of them hold one. Otherwise takes nothing and
   * answers how long until every refusing bucket has a token again.
   */
  take(claims: readonly BucketClaim[]): Promise<RateDecision>;
  close(): Promise<void>;
}
