import { inSpan, traceFieldsOf, traceParentOf } from "../core/tracing.js";
import type { Span } from "../core/tracing.js";
import type { WirePostAnswer } from "../client/shared/wire-types.js";
import type { Clock } from "../core/clock.js";
import type { Comment, CommentRecord } from "../core/comment.js";
import { dependency } from "../core/dependency.js";
import { LcError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { CommentLog } from "../ports/comment-log/index.js";
import type { ModerationStore } from "../ports/moderation-store/index.js";
import { moderatesStream } from "../core/stream-rank.js";
import type { ReviewDecision, ReviewGate } from "./comment-review.js";
import { BlockedTermsCache, uniqueChatKey } from "./text-matching.js";
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

/** The answer to a published comment (HTTP 202, `"status":"published"`). */
export interface AcceptedComment {
  readonly status: "published";
  readonly commentId: string;
  readonly seq: number;
  readonly serverTs: number;
  readonly offsetMs: number;
}

/** The answer to a comment held for review (HTTP 202, `"status":"held"`): no seq until it is approved. */
export interface HeldComment {
  readonly status: "held";
  readonly commentId: string;
}

/** What a post is answered. */
export type PostAnswer = AcceptedComment | HeldComment;

/** The reason a comment holding a blocked term is held with. */
export const BLOCKED_TERM_REASON = "blocked_term";

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
  /** The span of the request that posts it, when tracing: the review and the append are its children. */
  readonly span?: Span;
}

/** Dependencies and limits of {@link CommentIngest}. */
export interface CommentIngestOptions {
  readonly log: CommentLog;
  readonly streams: StreamRegistry;
  readonly rateLimiter: RateLimiter;
  readonly idempotency: IdempotencyStore;
  /** Bans, slow mode, unique chat and held comments. */
  readonly moderation: ModerationStore;
  /** The platform's review service, if one is set (LC_REVIEW_URL). */
  readonly review?: ReviewGate;
  readonly rateLimits: RateLimitRules;
  readonly inputLimits: CommentInputLimits;
  readonly idempotencyTtlMs?: number;
  /** How long a post may wait for its answer (the log, and every store before it) before it is answered 503. */
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
  private readonly blockedTerms = new BlockedTermsCache();

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
   * Posts a validated comment. Throws LcError for every refusal. A post is answered within the
   * append timeout whatever an engine does (one that stops answering without closing its
   * connection included): past it the answer is 503, but the post goes on: with an
   * Idempotency-Key, the key then holds the real outcome, so the client's retry gets the 202
   * of the comment that did land (or a fresh try if it did not), never a second comment.
   */
  post(command: PostCommentCommand): Promise<PostAnswer> {
    // Aborted once the post is answered 503: its comment, if still queued for the log, is dropped.
    const answered = new AbortController();
    return this.answerInTime(this.postUnbounded(command, answered.signal), answered);
  }

  private async postUnbounded(command: PostCommentCommand, answered: AbortSignal): Promise<PostAnswer> {
    const { principal, streamId, input, idempotencyKey } = command;
    const stream = await dependency("stream registry", this.options.streams.get(streamId));
    if (!stream) throw new LcError("stream_not_found", `stream ${streamId} does not exist`);
    if (stream.endedAt !== undefined) throw new LcError("stream_ended", `stream ${streamId} has ended`);
    // The stream's owner and moderators are exempt from members-only, unique chat and slow mode.
    const exempt = moderatesStream(stream, principal);
    if (stream.membersOnly && !exempt && !principal.memberships?.has(streamId) && !principal.memberships?.has("*")) {
      throw new LcError("members_only", "only members may comment on this stream");
    }
    const uniqueText = stream.uniqueChat && !exempt ? uniqueChatKey(input.text) : undefined;
    const admitThenAppend = async () => {
      const { perClientIp, perUser, perStream } = this.options.rateLimits;
      // The limits and the ban, unique-chat and slow-mode check are asked for in the same turn,
      // so they reach a shared store in one round trip. The per-address limit is not checked on
      // a trip of its own before the token: verifying a token costs microseconds, a round trip
      // milliseconds of every post's latency. The buckets are taken together or not at all; a
      // banned or slowed poster's refused post still takes its tokens, which its own user limit
      // bounds.
      const [admitted, tokens] = await Promise.allSettled([
        this.admitPoster(principal, stream, exempt, uniqueText),
        this.takeTokens([
          [`ip:${command.clientAddress}`, command.clientAddress === undefined ? undefined : perClientIp],
          [`user:${principal.userId}`, perUser],
          [`stream:${streamId}`, perStream],
        ]),
      ]);
      if (admitted.status === "rejected") throw admitted.reason;
      try {
        if (tokens.status === "rejected") throw tokens.reason;
        return await this.decideThenAppend(command, stream, answered);
      } catch (error) {
        // A text unique chat remembered for a post that was not accepted is free again.
        if (uniqueText !== undefined) this.options.moderation.releaseText(streamId, uniqueText).catch(() => {});
        throw error;
      }
    };
    if (idempotencyKey === undefined) return admitThenAppend();

    const { idempotency } = this.options;
    const key = `${principal.userId}\u0000${idempotencyKey}`;
    const reservation = await dependency("idempotency store", idempotency.reserve(key, this.idempotencyTtlMs));
    if (reservation.status === "done") return { status: "published", ...(JSON.parse(reservation.value) as Omit<AcceptedComment, "status">) };
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
    return appending;
  }

  /**
   * Refuses a banned user (403 user_banned), a text unique chat saw within its window (409
   * duplicate_text) and a post too soon in slow mode (429 slow_mode); moderators have no slow mode.
   */
  private async admitPoster(principal: Principal, stream: Stream, exempt: boolean, uniqueText: string | undefined): Promise<void> {
    const slowModeMs = exempt ? 0 : (stream.slowModeS ?? 0) * 1000;
    const admission = await dependency("moderation store", this.options.moderation.admitPoster(stream.streamId, principal.userId, slowModeMs, uniqueText));
    if (admission.status === "duplicate_text") {
      throw new LcError("duplicate_text", "unique chat: this text was posted on the stream in the last 30 s");
    }
    if (admission.status === "banned") {
      const until = admission.until === null ? "for good" : `until ${new Date(admission.until).toISOString()}`;
      throw new LcError("user_banned", `you are banned from this stream ${until}`);
    }
    if (admission.status === "slow_mode") {
      throw new LcError("slow_mode", `slow mode: one comment every ${stream.slowModeS} s`, { retryAfterMs: admission.retryAfterMs });
    }
  }

  /** Resolves with the post's answer, or rejects with 503 (and aborts `answered`) if it takes longer than the timeout. */
  private answerInTime(posting: Promise<PostAnswer>, answered: AbortController): Promise<PostAnswer> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        answered.abort();
        reject(new LcError("log_unavailable", "the comment was not confirmed in time; retry it with the same Idempotency-Key", { retryAfterMs: 1000 }));
      }, this.appendTimeoutMs);
    });
    // A post answered by the timeout still settles later; its failure is the key's to record.
    posting.catch(() => {});
    return Promise.race([posting, timeout]).finally(() => clearTimeout(timer));
  }

  /**
   * Stamps the comment, then publishes it, holds it for review (a blocked term, or the review
   * hook's verdict) or refuses it (the hook's reject: 403 comment_rejected, nothing stored).
   */
  private async decideThenAppend(command: PostCommentCommand, stream: Stream, answered: AbortSignal): Promise<PostAnswer> {
    const { principal, input, requestId, clientAddress, span } = command;
    // The id's time is the comment's server_ts, so its place on the timeline follows from its
    // id alone (moderators address comments by id).
    const commentId = this.options.newId();
    const serverTs = uuidV7Millis(commentId) ?? this.options.clock.now();
    const record: CommentRecord = {
      commentId,
      streamId: stream.streamId,
      userId: principal.userId,
      username: principal.username,
      text: input.text,
      serverTs,
      offsetMs: Math.max(0, serverTs - stream.startedAt),
      ...(input.clientTs === undefined ? {} : { clientTs: input.clientTs }),
      ...(input.meta === undefined ? {} : { meta: input.meta }),
      ...(requestId === undefined ? {} : { requestId }),
    };
    const decision = await this.decide(record, stream, clientAddress, span);
    if (decision.verdict === "reject") throw new LcError("comment_rejected", decision.reason || "the comment was rejected");
    if (decision.verdict === "hold") return this.hold(record, decision.reason, span);
    return this.append(record, clientAddress, span, answered);
  }

  /** Blocked terms first (held without asking the hook), then the review hook, if any. */
  private async decide(record: CommentRecord, stream: Stream, clientAddress: string | undefined, span: Span | undefined): Promise<ReviewDecision> {
    if (stream.blockedTerms && this.blockedTerms.of(stream.streamId, stream.blockedTerms).matches(record.text)) {
      return { verdict: "hold", reason: BLOCKED_TERM_REASON };
    }
    if (!this.options.review) return { verdict: "allow" };
    const review = this.options.review;
    return inSpan("comment review", { "livecomments.comment_id": record.commentId }, span, () =>
      review.review({
        commentId: record.commentId,
        streamId: record.streamId,
        userId: record.userId,
        userName: record.username,
        text: record.text,
        clientAddress: clientAddress ?? "",
        ...(record.meta === undefined ? {} : { meta: record.meta }),
      }),
    );
  }

  /** Keeps the comment for review: in the moderation store (the moderators' list), then in the log (their live view, the firehose). */
  private async hold(record: CommentRecord, reason: string, span: Span | undefined): Promise<HeldComment> {
    const heldAt = this.options.clock.now();
    await dependency("moderation store", this.options.moderation.hold({ record, reason, heldAt }));
    await dependency("comment log", this.options.log.append({ kind: "held", streamId: record.streamId, record, reason, heldAt }), "log_unavailable");
    if (this.options.logger?.debugging)
      this.options.logger.debug("comment held", {
        requestId: record.requestId,
        commentId: record.commentId,
        streamId: record.streamId,
        reason,
        ...traceFieldsOf(span),
      });
    return { status: "held", commentId: record.commentId };
  }

  private async append(record: CommentRecord, clientAddress: string | undefined, span: Span | undefined, answered: AbortSignal): Promise<AcceptedComment> {
    const appendStarted = performance.now();
    const placed: Comment = await inSpan(
      "log append",
      { "livecomments.comment_id": record.commentId, "livecomments.stream_id": record.streamId },
      span,
      (append) => dependency("comment log", appendComment(this.options.log, record, append && traceParentOf(append), { signal: answered }), "log_unavailable"),
    );
    this.options.observeAppend?.((performance.now() - appendStarted) / 1000);
    if (this.options.logger?.debugging)
      this.options.logger.debug("comment accepted", {
        requestId: record.requestId,
        client: clientAddress,
        commentId: placed.commentId,
        streamId: record.streamId,
        seq: placed.seq,
        ...traceFieldsOf(span),
      });
    return { status: "published", commentId: placed.commentId, seq: placed.seq, serverTs: placed.serverTs, offsetMs: placed.offsetMs };
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

/** A post's answer as the HTTP API's JSON. */
export function postAnswerToJson(answer: PostAnswer): WirePostAnswer {
  if (answer.status === "held") return { comment_id: answer.commentId, status: "held" };
  return { comment_id: answer.commentId, status: "published", seq: answer.seq, server_ts: answer.serverTs, offset_ms: answer.offsetMs };
}

/** Validates an Idempotency-Key: 1..128 visible ASCII characters. */
export function parseIdempotencyKey(value: string | undefined): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (value.length > MAX_IDEMPOTENCY_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(value)) {
    throw new LcError("invalid_argument", "Idempotency-Key must be 1 to 128 visible ASCII characters");
  }
  return value;
}
