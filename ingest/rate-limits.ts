import type { TokenBucketRule } from "../core/token-bucket.js";

/** The token buckets ingest applies; `undefined` means that limit is off. */
export interface RateLimitRules {
  /** Per user (JWT sub). */
  readonly perUser?: TokenBucketRule;
  /** Per client IP: many viewers can share one address, so it is looser. */
  readonly perClientIp?: TokenBucketRule;
}

/** DESIGN.md's defaults: per user a burst of 10 then 1/s; per IP a burst of 200 then 100/s. */
export const DEFAULT_RATE_LIMIT_RULES: RateLimitRules = {
  perUser: { ratePerSec: 1, burst: 10 },
  perClientIp: { ratePerSec: 100, burst: 200 },
};
