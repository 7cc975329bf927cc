import type { Clock } from "../core/clock.js";
import type { Comment, CommentRecord } from "../core/comment.js";
import { LcError } from "../core/errors.js";
import type { CommentLog } from "../ports/comment-log/index.js";
import type { IdempotencyStore } from "../ports/idempotency-store/index.js";
import type { RateLimiter } from "../ports/rate-limiter/index.js";
import type { StreamRegistry } from "../ports/stream-registry/index.js";
import type { Principal } from "./authenticator.js";
import type { CommentInput, CommentInputLimits } from "./comment-input.js";
import type { RateLimitRules } from "./rate-limits.js";

/** How long an Idempotency-Key remembers its answer by default. */
export const DEFAULT_IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
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
}

/** Dependencies and limits of {@link CommentIngest}. */
export interface CommentIngestOptions {
  readonly log: CommentLog;
  readonly streams: StreamRegistry;
  readonly rateLimiter: RateLimiter;
  readonly idempotency: IdempotencyStore;
  readonly rateLimits: RateLimitRules;
  readonly inputLimits: CommentInputLimits;
  readonly idempotencyTtlMs?: number;
  readonly clock: Clock;
  readonly newId: () => string;
}

/**
 * The write path: checks, stamps and appends a comment, and answers only once the log holds
 * it. Protocol handlers call {@link admitClient} before authenticating and {@link post} after.
 */
export class CommentIngest {
  readonly inputLimits: CommentInputLimits;
  private readonly idempotencyTtlMs: number;

  constructor(private readonly options: CommentIngestOptions) {
    this.inputLimits = options.inputLimits;
    this.idempotencyTtlMs = options.idempotencyTtlMs ?? DEFAULT_IDEMPOTENCY_TTL_MS;
  }

  /** The server clock, for validating client timestamps. */
  now(): number {
    return this.options.clock.now();
  }

  /** Applies the per-IP limit; throws `rate_limited` with a retry time when it is exhausted. */
  async admitClient(clientIp: string): Promise<void> {
    const rule = this.options.rateLimits.perClientIp;
    if (rule) await this.takeToken(`ip:${clientIp}`, rule);
  }

  /** Posts a validated comment. Throws LcError for every refusal. */
  async post(command: PostCommentCommand): Promise<AcceptedComment> {
    const { principal, streamId, input, idempotencyKey } = command;
    const stream = await this.options.streams.get(streamId);
    if (!stream) throw new LcError("stream_not_found", `stream ${streamId} does not exist`);
    if (stream.endedAt !== undefined) throw new LcError("stream_ended", `stream ${streamId} has ended`);

    if (idempotencyKey === undefined) {
      await this.takeUserToken(principal);
      return this.append(principal, stream.startedAt, streamId, input);
    }
    const key = `${principal.userId}\u0000${idempotencyKey}`;
    const reservation = await this.options.idempotency.reserve(key, this.idempotencyTtlMs);
    if (reservation.status === "done") return JSON.parse(reservation.value) as AcceptedComment;
    if (reservation.status === "pending") {
      throw new LcError("idempotency_key_in_use", "a request with this Idempotency-Key is still in progress", { retryAfterMs: 1000 });
    }
    let accepted: AcceptedComment;
    try {
      await this.takeUserToken(principal);
      accepted = await this.append(principal, stream.startedAt, streamId, input);
    } catch (error) {
      await this.options.idempotency.release(key);
      throw error;
    }
    await this.options.idempotency.complete(key, JSON.stringify(accepted), this.idempotencyTtlMs);
    return accepted;
  }

  private async append(principal: Principal, startedAt: number, streamId: string, input: CommentInput): Promise<AcceptedComment> {
    const serverTs = this.options.clock.now();
    const record: CommentRecord = {
      commentId: this.options.newId(),
      streamId,
      userId: principal.userId,
      username: principal.username,
      text: input.text,
      serverTs,
      offsetMs: Math.max(0, serverTs - startedAt),
      ...(input.clientTs === undefined ? {} : { clientTs: input.clientTs }),
      ...(input.meta === undefined ? {} : { meta: input.meta }),
    };
    let placed: Comment;
    try {
      placed = await this.options.log.append(record);
    } catch (error) {
      if (error instanceof LcError) throw error;
      throw new LcError("log_unavailable", "the comment log cannot take comments now", { retryAfterMs: 1000, cause: error });
    }
    return { commentId: placed.commentId, seq: placed.seq, serverTs: placed.serverTs, offsetMs: placed.offsetMs };
  }

  private async takeUserToken(principal: Principal): Promise<void> {
    const rule = this.options.rateLimits.perUser;
    if (rule) await this.takeToken(`user:${principal.userId}`, rule);
  }

  private async takeToken(key: string, rule: NonNullable<RateLimitRules["perUser"]>): Promise<void> {
    const decision = await this.options.rateLimiter.take(key, rule);
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
