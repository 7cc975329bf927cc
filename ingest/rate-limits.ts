import type { TokenBucketRule } from "../core/token-bucket.js";

/** The token buckets ingest applies; `undefined` means that limit is off. */
export interface RateLimitRules {
  /** Per user (JWT sub). */
  readonly perUser?: TokenBucketRule;
  /** Per client IP: many viewers can share one address, so it is looser. */
  readonly perClientIp?: TokenBucketRule;
  /** Per stream: a ceiling that keeps one stream's flood from swamping the system. */
  readonly perStream?: TokenBucketRule;
}

/**
 * DESIGN.md's defaults: per user a burst of 10 then 1/s; per IP a burst of 200 then 100/s.
 * Per stream, 2,000/s with a burst of 4,000: far above any crowd a viewer can read, far below
 * what would starve other streams.
 */
export const DEFAULT_RATE_LIMIT_RULES: RateLimitRules = {
  perUser: { ratePerSec: 1, burst: 10 },
  perClientIp: { ratePerSec: 100, burst: 200 },
  perStream: { ratePerSec: 2_000, burst: 4_000 },
};
