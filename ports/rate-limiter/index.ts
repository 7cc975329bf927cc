import type { TokenBucketRule } from "../../core/token-bucket.js";

/** The answer to one rate-limit check. */
export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };

/**
 * Token-bucket rate limits shared by every ingest process of a deployment.
 * Guarantee: `take` is atomic per key; two callers never both get the last token.
 */
export interface RateLimiter {
  /** Takes one token from the bucket `key` governed by `rule`. */
  take(key: string, rule: TokenBucketRule): Promise<RateDecision>;
  close(): Promise<void>;
}
