// The write path's defaults, read by the configuration.
import type { CommentInputLimits } from "./comment-input.js";
import type { RateLimitRules } from "./rate-limits.js";

/** How long an Idempotency-Key remembers its answer by default. */
export const DEFAULT_IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * How long a post may wait for its answer before it is answered 503: under the 5 s within which
 * every post is answered, cut links included (docs/operating.md, "Partitions").
 */
export const DEFAULT_APPEND_TIMEOUT_MS = 4_000;
/** Size and shape of one comment. */
export const DEFAULT_COMMENT_INPUT_LIMITS: CommentInputLimits = {
  maxTextCodePoints: 300,
  maxMetaBytes: 2048,
  maxMetaDepth: 4,
  maxClientSkewMs: 24 * 60 * 60 * 1000,
};
/**
 * The API's documented defaults: per user a burst of 10 then 1/s; per IP a burst of 200 then 100/s.
 * Per stream, 2,000/s with a burst of 4,000: far above any crowd a viewer can read, far below
 * what would starve other streams.
 */
export const DEFAULT_RATE_LIMIT_RULES: RateLimitRules = {
  perUser: { ratePerSec: 1, burst: 10 },
  perClientIp: { ratePerSec: 100, burst: 200 },
  perStream: { ratePerSec: 2_000, burst: 4_000 },
};
/** Longest wait for the review service by default (LC_REVIEW_TIMEOUT_MS). */
export const DEFAULT_REVIEW_TIMEOUT_MS = 250;
/** Most reviews one ingest process waits for at once by default. */
export const DEFAULT_REVIEW_MAX_IN_FLIGHT = 1_000;
/** How long a held comment waits for a moderator by default (LC_HELD_TTL_S). */
export const DEFAULT_HELD_TTL_S = 900;
/** Longest slow-mode interval a moderator may set, in seconds. */
export const MAX_SLOW_MODE_S = 3_600;
/** Longest ban with a duration, in seconds (a year); a ban without one is permanent. */
export const MAX_BAN_S = 365 * 24 * 3_600;
export const MAX_BAN_REASON_LENGTH = 500;
