import type { Clock } from "../../core/clock.js";
import { systemClock } from "../../core/clock.js";
import type { TokenBucketRule, TokenBucketState } from "../../core/token-bucket.js";
import { isBucketFull, takeToken } from "../../core/token-bucket.js";
import type { RateLimiter } from "./index.js";

/** Most buckets kept in memory before full ones are forgotten. */
export const DEFAULT_MAX_BUCKETS = 200_000;

/** Options of {@link createMemoryRateLimiter}. */
export interface MemoryRateLimiterOptions {
  readonly clock?: Clock;
  readonly maxBuckets?: number;
}

/**
 * Rate limits of one process. Memory is bounded: past `maxBuckets`, buckets that have refilled
 * are forgotten (which changes nothing), and if that is not enough the oldest go, which only
 * ever errs towards letting a request through.
 */
export function createMemoryRateLimiter(options: MemoryRateLimiterOptions = {}): RateLimiter {
  const clock = options.clock ?? systemClock;
  const maxBuckets = options.maxBuckets ?? DEFAULT_MAX_BUCKETS;
  const buckets = new Map<string, { state: TokenBucketState; rule: TokenBucketRule }>();

  const makeRoom = (now: number) => {
    for (const [key, bucket] of buckets) {
      if (isBucketFull(bucket.state, bucket.rule, now)) buckets.delete(key);
    }
    for (const key of buckets.keys()) {
      if (buckets.size < maxBuckets) break;
      buckets.delete(key);
    }
  };

  return {
    async take(key, rule) {
      const now = clock.now();
      const taken = takeToken(buckets.get(key)?.state, rule, now);
      if (!buckets.has(key) && buckets.size >= maxBuckets) makeRoom(now);
      buckets.set(key, { state: taken.state, rule });
      return taken.allowed ? { allowed: true } : { allowed: false, retryAfterMs: taken.retryAfterMs };
    },
    async close() {
      buckets.clear();
    },
  };
}
