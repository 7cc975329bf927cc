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
