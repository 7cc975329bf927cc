import type { Clock } from "../core/clock.js";
import type { Comment, CommentRecord } from "../core/comment.js";
import { dependency } from "../core/dependency.js";
import { LcError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { CommentLog } from "../ports/comment-log/index.js";
import type { ModerationStore } from "../ports/moderation-store/index.js";
import { canModerate } from "../core/auth/scopes.js";
import type { Stream } from "../core/stream.js";
import { uuidV7Millis } from "../core/uuid-v7.js";
import { appendComment } from "../ports/comment-log/index.js";
import type { IdempotencyStore } from "../ports/idempotency-store/index.js";
import type { RateLimiter } from "../ports/rate-limiter/index.js";
import type { StreamRegistry } from "../ports/stream-registry/index.js";
import type { Principal } from "../core/auth/authenticator.js";
import type { CommentInput, CommentInputLimits } from "./comment-input.js";
import type { RateLimitRules } from "./rate-limits.js";
import type { TokenBucketRule } from "../core/token-bucket.js";
import { DEFAULT_IDEMPOTENCY_TTL_MS, DEFAULT_APPEND_TIMEOUT_MS } from "./defaults.js";

/** Longest Idempotency-Key accepted. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 128;

/** The answer to an accepted comment (HTTP 202). */
export interface AcceptedComment {
  readonly commentId: string;
  readonly seq: number;
  readonly serverTs: number;
  readonly offsetMs: number;
}

/** One comment to post, as a protocol handler hands it over. */
export interface PostCommentCommand {
  readonly principal: Principal;
  readonly streamId: string;
  readonly input: CommentInput;
  readonly idempotencyKey?: string;
  /** The id of the request, kept with the comment so every role's logs can follow it. */
  readonly requestId?: string;
  /** Who sent it, by address: its per-address limit, and the logs. */
  readonly clientAddress?: string;
}

/** Dependencies and limits of {@link CommentIngest}. */
export interface CommentIngestOptions {
  readonly log: CommentLog;
  readonly streams: StreamRegistry;
  readonly rateLimiter: RateLimiter;
  readonly idempotency: IdempotencyStore;
  /** Bans and slow mode. */
  readonly moderation: ModerationStore;
  readonly rateLimits: RateLimitRules;
  readonly inputLimits: CommentInputLimits;
  readonly idempotencyTtlMs?: number;
  /** How long a comment may wait for the log before the client is answered 503. */
  readonly appendTimeoutMs?: number;
  readonly clock: Clock;
  readonly newId: () => string;
  /** Gets a debug line per accepted comment. */
  readonly logger?: Logger;
  /** Told how long each successful append took, in seconds. */
  readonly observeAppend?: (seconds: number) => void;
}

/**
 * The write path: checks, stamps and appends a comment, and answers only once the log holds
 * it. Protocol handlers authenticate the poster and parse its input, then call {@link post}.
 */
export class CommentIngest {
  readonly inputLimits: CommentInputLimits;
  private readonly idempotencyTtlMs: number;
  private readonly appendTimeoutMs: number;

  constructor(private readonly options: CommentIngestOptions) {
    this.inputLimits = options.inputLimits;
    this.idempotencyTtlMs = options.idempotencyTtlMs ?? DEFAULT_IDEMPOTENCY_TTL_MS;
    this.appendTimeoutMs = options.appendTimeoutMs ?? DEFAULT_APPEND_TIMEOUT_MS;
  }

  /** The server clock, for validating client timestamps. */
  now(): number {
    return this.options.clock.now();
  }

  /**
   * Posts a validated comment. Throws LcError for every refusal. When the log does not confirm
   * within the append timeout, the answer is 503 but the append goes on: with an
   * Idempotency-Key, the key then holds the real outcome, so the client's retry gets the 202
   * of the comment that did land (or a fresh try if it did not), never a second comment.
   */
  async post(command: PostCommentCommand): Promise<AcceptedComment> {
    const { principal, streamId, input, idempotencyKey, requestId } = command;
    const stream = await dependency("stream registry", this.options.streams.get(streamId));
    if (!stream) throw new LcError("stream_not_found", `stream ${streamId} does not exist`);
    if (stream.endedAt !== undefined) throw new LcError("stream_ended", `stream ${streamId} has ended`);
    const admitThenAppend = async () => {
      const { perClientIp, perUser, perStream } = this.options.rateLimits;
      // The limits and the ban and slow-mode check are asked for in the same turn, so they reach
      // a shared store in one round trip. The per-address limit is not checked on a trip of its
      // own before the token: verifying a token costs microseconds, a round trip milliseconds of
      // every post's latency. The buckets are taken together or not at all; a banned or slowed
      // poster's refused post still takes its tokens, which its own user limit bounds.
      const [admitted, tokens] = await Promise.allSettled([
        this.admitPoster(principal, stream),
        this.takeTokens([
          [`ip:${command.clientAddress}`, command.clientAddress === undefined ? undefined : perClientIp],
          [`user:${principal.userId}`, perUser],
          [`stream:${streamId}`, perStream],
        ]),
      ]);
      if (admitted.status === "rejected") throw admitted.reason;
      if (tokens.status === "rejected") throw tokens.reason;
      return this.append(principal, stream.startedAt, streamId, input, requestId, command.clientAddress);
    };
    if (idempotencyKey === undefined) return this.confirmInTime(admitThenAppend());

    const { idempotency } = this.options;
    const key = `${principal.userId}\u0000${idempotencyKey}`;
    const reservation = await dependency("idempotency store", idempotency.reserve(key, this.idempotencyTtlMs));
    if (reservation.status === "done") return JSON.parse(reservation.value) as AcceptedComment;
    if (reservation.status === "pending") {
      throw new LcError("idempotency_key_in_use", "a request with this Idempotency-Key is still in progress", { retryAfterMs: 1000 });
    }
    const appending = admitThenAppend();
    appending
      .then(
        (accepted) => idempotency.complete(key, JSON.stringify(accepted), this.idempotencyTtlMs),
        () => idempotency.release(key),
      )
      .catch(() => {}); // the key then expires by itself
    return this.confirmInTime(appending);
  }

  /** Refuses a banned user (403 user_banned) and a post too soon in slow mode (429 slow_mode); moderators have no slow mode. */
  private async admitPoster(principal: Principal, stream: Stream): Promise<void> {
    const slowModeMs = canModerate(principal.scopes) ? 0 : (stream.slowModeS ?? 0) * 1000;
    const admission = await dependency("moderation store", this.options.moderation.admitPoster(stream.streamId, principal.userId, slowModeMs));
    if (admission.status === "banned") {
      const until = admission.until === null ? "for good" : `until ${new Date(admission.until).toISOString()}`;
      throw new LcError("user_banned", `you are banned from this stream ${until}`);
    }
    if (admission.status === "slow_mode") {
      throw new LcError("slow_mode", `slow mode: one comment every ${stream.slowModeS} s`, { retryAfterMs: admission.retryAfterMs });
    }
  }

  /** Resolves with the append, or rejects with 503 if the log takes longer than the timeout. */
  private confirmInTime(appending: Promise<AcceptedComment>): Promise<AcceptedComment> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new LcError("log_unavailable", "the comment log did not confirm in time", { retryAfterMs: 1000 })), this.appendTimeoutMs);
    });
    return Promise.race([appending, timeout]).finally(() => clearTimeout(timer));
  }

  private async append(
    principal: Principal,
    startedAt: number,
    streamId: string,
    input: CommentInput,
    requestId: string | undefined,
    clientAddress: string | undefined,
  ): Promise<AcceptedComment> {
    // The id's time is the comment's server_ts, so its place on the timeline follows from its
    // id alone (moderators address comments by id).
    const commentId = this.options.newId();
    const serverTs = uuidV7Millis(commentId) ?? this.options.clock.now();
    const record: CommentRecord = {
      commentId,
      streamId,
      userId: principal.userId,
      username: principal.username,
      text: input.text,
      serverTs,
      offsetMs: Math.max(0, serverTs - startedAt),
      ...(input.clientTs === undefined ? {} : { clientTs: input.clientTs }),
      ...(input.meta === undefined ? {} : { meta: input.meta }),
      ...(requestId === undefined ? {} : { requestId }),
    };
    const appendStarted = performance.now();
    const placed: Comment = await dependency("comment log", appendComment(this.options.log, record), "log_unavailable");
    this.options.observeAppend?.((performance.now() - appendStarted) / 1000);
    if (this.options.logger?.debugging)
      this.options.logger.debug("comment accepted", { requestId, client: clientAddress, commentId: placed.commentId, streamId, seq: placed.seq });
    return { commentId: placed.commentId, seq: placed.seq, serverTs: placed.serverTs, offsetMs: placed.offsetMs };
  }

  /** Takes a token from each configured bucket, or from none; a bucket without a rule is off. */
  private async takeTokens(buckets: readonly (readonly [string, TokenBucketRule | undefined])[]): Promise<void> {
    const claims = buckets.flatMap(([key, rule]) => (rule ? [{ key, rule }] : []));
    if (claims.length === 0) return;
    const decision = await dependency("rate limiter", this.options.rateLimiter.take(claims));
    if (!decision.allowed) {
      throw new LcError("rate_limited", "too many comments; slow down", { retryAfterMs: decision.retryAfterMs });
    }
  }
}

/** Validates an Idempotency-Key: 1..128 visible ASCII characters. */
export function parseIdempotencyKey(value: string | undefined): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (value.length > MAX_IDEMPOTENCY_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(value)) {
    throw new LcError("invalid_argument", "Idempotency-Key must be 1 to 128 visible ASCII characters");
  }
  return value;
}
