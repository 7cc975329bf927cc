import type { Clock } from "../../core/clock.js";
import { systemClock } from "../../core/clock.js";
import type { TokenBucketRule, TokenBucketState } from "../../core/token-bucket.js";
import { isBucketFull, takeToken } from "../../core/token-bucket.js";
import { makeRoom } from "../../core/bounded-map.js";
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

  return {
    async take(claims) {
      const now = clock.now();
      const takes = claims.map(({ key, rule }) => takeToken(buckets.get(key)?.state, rule, now));
      const retryAfterMs = Math.max(0, ...takes.map((taken) => taken.retryAfterMs));
      if (takes.some((taken) => !taken.allowed)) return { allowed: false, retryAfterMs };
      claims.forEach(({ key, rule }, i) => {
        if (!buckets.delete(key)) makeRoom(buckets, maxBuckets, (bucket) => isBucketFull(bucket.state, bucket.rule, now));
        buckets.set(key, { state: takes[i]!.state, rule });
      });
      return { allowed: true };
    },
    async close() {
      buckets.clear();
    },
  };
}
