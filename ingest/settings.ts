import { DEFAULT_MAX_BODY_BYTES } from "../core/http/read-json-body.js";
import { choiceSetting, integerSetting, numberSetting, switchSetting, textSetting } from "../core/settings.js";
import type { SettingRole, SettingValues } from "../core/settings.js";
import type { CommentInputLimits } from "./comment-input.js";
import {
  DEFAULT_APPEND_TIMEOUT_MS,
  DEFAULT_COMMENT_INPUT_LIMITS,
  DEFAULT_HELD_TTL_S,
  DEFAULT_IDEMPOTENCY_TTL_MS,
  DEFAULT_RATE_LIMIT_RULES,
  DEFAULT_REVIEW_MAX_IN_FLIGHT,
  DEFAULT_REVIEW_TIMEOUT_MS,
} from "./defaults.js";
import type { RateLimitRules } from "./rate-limits.js";

const INGEST: readonly SettingRole[] = ["all", "ingest"];
const { perUser, perClientIp, perStream } = DEFAULT_RATE_LIMIT_RULES as Required<RateLimitRules>;

/** What the write path reads. */
export const INGEST_SETTINGS = {
  rateLimitsOn: switchSetting({ variable: "LC_RATE_LIMITS", fallback: true, description: "`off` disables every rate limit (for load tests)", roles: INGEST }),
  userRatePerSec: numberSetting({
    variable: "LC_USER_RATE_PER_SEC",
    fallback: perUser.ratePerSec,
    min: 0.001,
    max: 1e6,
    description: "comments per second a user may post, on average",
    roles: INGEST,
  }),
  userBurst: integerSetting({
    variable: "LC_USER_BURST",
    fallback: perUser.burst,
    min: 1,
    max: 1e6,
    description: "comments a user may post at once",
    roles: INGEST,
  }),
  ipRatePerSec: numberSetting({
    variable: "LC_IP_RATE_PER_SEC",
    fallback: perClientIp.ratePerSec,
    min: 0.001,
    max: 1e6,
    description: "comments per second one client address may post, on average",
    roles: INGEST,
  }),
  ipBurst: integerSetting({
    variable: "LC_IP_BURST",
    fallback: perClientIp.burst,
    min: 1,
    max: 1e6,
    description: "comments one client address may post at once",
    roles: INGEST,
  }),
  streamRatePerSec: numberSetting({
    variable: "LC_STREAM_RATE_PER_SEC",
    fallback: perStream.ratePerSec,
    min: 0.001,
    max: 1e7,
    description: "comments per second one stream takes, on average: its ceiling",
    roles: INGEST,
  }),
  streamBurst: integerSetting({
    variable: "LC_STREAM_BURST",
    fallback: perStream.burst,
    min: 1,
    max: 1e7,
    description: "comments one stream takes at once",
    roles: INGEST,
  }),
  maxTextChars: integerSetting({
    variable: "LC_MAX_TEXT_CHARS",
    fallback: DEFAULT_COMMENT_INPUT_LIMITS.maxTextCodePoints,
    min: 1,
    max: 10_000,
    description: "longest comment, in code points",
    roles: INGEST,
  }),
  maxBodyBytes: integerSetting({
    variable: "LC_MAX_BODY_BYTES",
    fallback: DEFAULT_MAX_BODY_BYTES,
    min: 256,
    max: 1024 * 1024,
    unit: "bytes",
    description: "largest request body; 413 above",
    roles: INGEST,
  }),
  idempotencyTtlMs: integerSetting({
    variable: "LC_IDEMPOTENCY_TTL_MS",
    fallback: DEFAULT_IDEMPOTENCY_TTL_MS,
    min: 1_000,
    max: 7 * 24 * 60 * 60 * 1000,
    unit: "ms",
    description: "how long an Idempotency-Key keeps its answer",
    roles: INGEST,
  }),
  appendTimeoutMs: integerSetting({
    variable: "LC_APPEND_TIMEOUT_MS",
    fallback: DEFAULT_APPEND_TIMEOUT_MS,
    min: 100,
    max: 120_000,
    unit: "ms",
    description: "how long a post may wait for its answer (the log, and the stores before it) before the answer is 503 with Retry-After",
    roles: INGEST,
  }),
  reviewUrl: textSetting({
    variable: "LC_REVIEW_URL",
    fallback: undefined,
    pattern: /^https?:\/\/[^\s]+$/,
    description:
      "base URL of the platform's review service (CommentReviewService), asked about every comment after bans, slow mode and rate limits; unset: no review hook",
    roles: INGEST,
  }),
  reviewProtocol: choiceSetting({
    variable: "LC_REVIEW_PROTOCOL",
    fallback: "connect",
    choices: ["connect", "grpc"],
    description: "how the review service is called: `connect` (HTTP/1.1, JSON) or `grpc`",
    roles: INGEST,
  }),
  reviewTimeoutMs: integerSetting({
    variable: "LC_REVIEW_TIMEOUT_MS",
    fallback: DEFAULT_REVIEW_TIMEOUT_MS,
    min: 10,
    max: 10_000,
    unit: "ms",
    description: "longest wait for the review service; past it the post follows LC_REVIEW_ON_FAILURE",
    roles: INGEST,
  }),
  reviewOnFailure: choiceSetting({
    variable: "LC_REVIEW_ON_FAILURE",
    fallback: "hold",
    choices: ["hold", "allow", "reject"],
    description: "what a post becomes when its review times out, fails, answers no verdict or finds too many reviews in flight",
    roles: INGEST,
  }),
  reviewMaxInFlight: integerSetting({
    variable: "LC_REVIEW_MAX_IN_FLIGHT",
    fallback: DEFAULT_REVIEW_MAX_IN_FLIGHT,
    min: 1,
    max: 100_000,
    description: "most reviews one ingest process waits for at once; past it a post follows LC_REVIEW_ON_FAILURE without asking",
    roles: INGEST,
  }),
  heldTtlS: integerSetting({
    variable: "LC_HELD_TTL_S",
    fallback: DEFAULT_HELD_TTL_S,
    min: 10,
    max: 7 * 24 * 3_600,
    description: "how long a held comment waits for a moderator; unreviewed, it then counts as denied",
    roles: INGEST,
  }),
} as const;

export type IngestSettings = SettingValues<typeof INGEST_SETTINGS>;

/** The rate limits the settings describe: none when they are off. */
export function rateLimitRules(settings: IngestSettings): RateLimitRules {
  if (!settings.rateLimitsOn) return {};
  return {
    perUser: { ratePerSec: settings.userRatePerSec, burst: settings.userBurst },
    perClientIp: { ratePerSec: settings.ipRatePerSec, burst: settings.ipBurst },
    perStream: { ratePerSec: settings.streamRatePerSec, burst: settings.streamBurst },
  };
}

/** The size and shape of one comment the settings allow. */
export function commentInputLimits(settings: IngestSettings): CommentInputLimits {
  return { ...DEFAULT_COMMENT_INPUT_LIMITS, maxTextCodePoints: settings.maxTextChars };
}
