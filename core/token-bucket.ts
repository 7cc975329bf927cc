/** A token bucket: `burst` tokens at most, refilled at `ratePerSec`. */
export interface TokenBucketRule {
  readonly ratePerSec: number;
  readonly burst: number;
}

/** A bucket's state: tokens left as of `updatedAt` (milliseconds). */
export interface TokenBucketState {
  readonly tokens: number;
  readonly updatedAt: number;
}

/** The outcome of taking one token. */
export interface TokenBucketTake {
  readonly state: TokenBucketState;
  readonly allowed: boolean;
  /** Milliseconds until a token will be there; 0 when allowed. */
  readonly retryAfterMs: number;
}

/** Takes one token from a bucket (a missing bucket is full). Pure, so every engine agrees. */
export function takeToken(state: TokenBucketState | undefined, rule: TokenBucketRule, now: number): TokenBucketTake {
  const elapsed = state ? Math.max(0, now - state.updatedAt) : 0;
  const tokens = state ? Math.min(rule.burst, state.tokens + (elapsed * rule.ratePerSec) / 1000) : rule.burst;
  if (tokens >= 1) return { state: { tokens: tokens - 1, updatedAt: now }, allowed: true, retryAfterMs: 0 };
  const retryAfterMs = Math.ceil(((1 - tokens) * 1000) / rule.ratePerSec);
  return { state: { tokens, updatedAt: now }, allowed: false, retryAfterMs };
}

/** Whether a bucket has refilled completely by `now`, so forgetting it changes nothing. */
export function isBucketFull(state: TokenBucketState, rule: TokenBucketRule, now: number): boolean {
  return state.tokens + ((now - state.updatedAt) * rule.ratePerSec) / 1000 >= rule.burst;
}
