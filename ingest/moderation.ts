import type { Principal } from "../core/auth/authenticator.js";
import { assertModerates, assertOwns } from "../core/stream-rank.js";
import { MAX_DELAY_S } from "../core/stream.js";
import type { HeldEntry } from "../ports/moderation-store/index.js";
import { MAX_HELD_LISTED } from "../ports/moderation-store/index.js";
import type { StreamUpdate } from "../ports/stream-registry/index.js";
import { appendComment } from "../ports/comment-log/index.js";
import type { Clock } from "../core/clock.js";
import type { Comment } from "../core/comment.js";
import { dependency } from "../core/dependency.js";
import { LcError } from "../core/errors.js";
import type { HeldOutcome, ReviewChange, StreamChange } from "../core/log-event.js";
import type { Stream } from "../core/stream.js";
import { streamIdFromPath } from "../core/stream.js";
import { uuidV7Millis } from "../core/uuid-v7.js";
import type { ArchiveStore } from "../ports/archive-store/index.js";
import type { CommentLog } from "../ports/comment-log/index.js";
import type { ModerationStore } from "../ports/moderation-store/index.js";
import type { StreamRegistry } from "../ports/stream-registry/index.js";
import { MAX_BAN_S, MAX_BAN_REASON_LENGTH, MAX_SLOW_MODE_S } from "./defaults.js";

/** How long a deletion or a pin looks for a comment the archive may not have written yet. */
const RECENT_COMMENT_WAIT_MS = 3_000;
const RECENT_COMMENT_POLL_MS = 100;
/** A comment younger than this may still be on its way to the archive. */
const RECENT_COMMENT_AGE_MS = 60_000;

/** The answer to a deletion, the same on every repeat. */
export interface DeletedComment {
  readonly commentId: string;
  readonly deletedAt: number;
}

/** What moderation runs on. */
export interface ModerationOptions {
  readonly registry: StreamRegistry;
  readonly log: CommentLog;
  readonly store: ModerationStore;
  /** Where a comment is found by id: the archive. */
  readonly comments: Pick<ArchiveStore, "find">;
  readonly clock: Clock;
  /** How long a held comment waits for a moderator before it counts as denied (LC_HELD_TTL_S). */
  readonly heldTtlMs: number;
}

/** A stream's modes as a PATCH or UpdateStreamModes gives them, unchecked. */
export interface ModesRequest {
  readonly slow_mode_s?: unknown;
  readonly members_only?: unknown;
  readonly unique_chat?: unknown;
  readonly delay_s?: unknown;
}

/**
 * What a stream's moderators (its owner, the users it names, scope comments:moderate or
 * streams:admin) do to it: delete and pin comments, ban users, set its modes, review held
 * comments and its blocked terms; and what its owner does: name its moderators. Each change is
 * recorded where it is enforced (the registry, the moderation store) and, when viewers or
 * moderators watching must see it, appended to the log, which carries it to them, the relay's
 * rings and the archive; such a change is answered only once the log holds it.
 */
export class Moderation {
  constructor(private readonly options: ModerationOptions) {}

  /** Takes a comment down for good; a repeat answers the first deletion's time. */
  async deleteComment(principal: Principal, streamIdParam: string | undefined, commentId: string): Promise<DeletedComment> {
    const stream = await this.moderated(principal, streamIdParam);
    const { store, clock } = this.options;
    const streamId = stream.streamId;
    const earlier = await dependency("moderation store", store.deletedAt(streamId, commentId));
    const comment = await this.findComment(stream, commentId, earlier === undefined);
    if (!comment) {
      if (earlier !== undefined) return { commentId, deletedAt: earlier };
      throw new LcError("comment_not_found", `stream ${streamId} has no comment ${commentId}`);
    }
    // Recorded first, so a repeat while the log is slow answers the same time; appended on
    // every repeat that still finds the comment, so a deletion whose append failed is retried.
    const deletedAt = await dependency("moderation store", store.markDeleted(streamId, commentId, clock.now()));
    await this.append({
      kind: "deletion",
      streamId,
      commentId,
      deletedAt,
      offsetMs: comment.offsetMs,
      commentSeq: comment.seq,
      moderatorId: principal.userId,
    });
    await this.update(streamId, { revision: Math.max(deletedAt, (stream.revision ?? 0) + 1) });
    if (stream.pinned?.commentId === commentId) await this.unpin(principal, streamId);
    return { commentId, deletedAt };
  }

  /** Pins a comment of the stream; live viewers get `pinned_comment`. */
  async pin(principal: Principal, streamIdParam: string | undefined, commentId: unknown): Promise<Stream> {
    const stream = await this.moderated(principal, streamIdParam);
    if (typeof commentId !== "string" || commentId.length === 0 || commentId.length > 64) {
      throw new LcError("invalid_argument", "comment_id must be a comment's id");
    }
    if (await dependency("moderation store", this.options.store.deletedAt(stream.streamId, commentId))) {
      throw new LcError("comment_not_found", `comment ${commentId} was deleted`);
    }
    const comment = await this.findComment(stream, commentId, true);
    if (!comment) throw new LcError("comment_not_found", `stream ${stream.streamId} has no comment ${commentId}`);
    const updated = await this.update(stream.streamId, { pinned: comment });
    await this.append({ kind: "pin", streamId: stream.streamId, comment, changedAt: this.options.clock.now(), moderatorId: principal.userId });
    return updated;
  }

  /** Unpins; viewers get `pinned_comment` with null. Unpinning a stream without a pin changes nothing. */
  async unpin(principal: Principal, streamIdParam: string | undefined): Promise<void> {
    const stream = await this.moderated(principal, streamIdParam);
    if (!stream.pinned) return;
    await this.update(stream.streamId, { pinned: null });
    await this.append({ kind: "pin", streamId: stream.streamId, comment: null, changedAt: this.options.clock.now(), moderatorId: principal.userId });
  }

  /** Sets the shortest interval between two comments of one user (0 turns it off). */
  async setSlowMode(principal: Principal, streamIdParam: string | undefined, slowModeS: unknown): Promise<Stream> {
    return this.updateModes(principal, streamIdParam, { slow_mode_s: slowModeS ?? null });
  }

  /**
   * Changes the stream's modes: every field given is checked before any is applied. Viewers get
   * `slow_mode` when slow mode is among them.
   */
  async updateModes(principal: Principal, streamIdParam: string | undefined, request: ModesRequest): Promise<Stream> {
    const stream = await this.moderated(principal, streamIdParam);
    const change = modesChange(request);
    const updated = await this.update(stream.streamId, change);
    if (change.slowModeS !== undefined) {
      const { slowModeS } = change;
      await this.append({ kind: "slow_mode", streamId: stream.streamId, slowModeS, changedAt: this.options.clock.now(), moderatorId: principal.userId });
    }
    return updated;
  }

  /** The stream's unresolved held comments, oldest first (at most {@link MAX_HELD_LISTED}). */
  async listHeld(principal: Principal, streamIdParam: string | undefined): Promise<HeldEntry[]> {
    const stream = await this.moderated(principal, streamIdParam);
    return dependency("moderation store", this.options.store.listHeld(stream.streamId, this.heldSince(), MAX_HELD_LISTED));
  }

  /**
   * Publishes a held comment: it is appended now, so it gets its seq and goes live, with the
   * times it was posted, so replays place it there. A repeat after a failure publishes it once
   * (second copies are removed by id everywhere); one already resolved is `held_not_found`.
   */
  async approve(principal: Principal, streamIdParam: string | undefined, commentId: string): Promise<Comment> {
    const stream = await this.moderated(principal, streamIdParam);
    const entry = await this.claim(stream.streamId, commentId, "approved");
    const placed = await dependency("comment log", appendComment(this.options.log, entry.record), "log_unavailable");
    await this.resolved(stream.streamId, commentId, "approved", principal.userId, placed.seq);
    // A replay of an ended stream is immutable per revision: the comment changes what it shows.
    if (stream.endedAt !== undefined) await this.update(stream.streamId, { revision: Math.max(this.options.clock.now(), (stream.revision ?? 0) + 1) });
    return placed;
  }

  /** Drops a held comment for good. */
  async deny(principal: Principal, streamIdParam: string | undefined, commentId: string): Promise<void> {
    const stream = await this.moderated(principal, streamIdParam);
    await this.claim(stream.streamId, commentId, "denied");
    await this.resolved(stream.streamId, commentId, "denied", principal.userId, 0);
  }

  /**
   * Resolves held comments nobody reviewed within the TTL as expired (a batch of them, any
   * stream); answers how many. Every ingest process may run it: a comment is claimed by one.
   */
  async expireHeld(limit = 100): Promise<number> {
    const { store } = this.options;
    const cutoff = this.heldSince();
    let expired = 0;
    for (const { record } of await store.expiredHeld(cutoff, limit)) {
      if (!(await store.claimHeld(record.streamId, record.commentId, "expired", cutoff))) continue;
      await this.resolved(record.streamId, record.commentId, "expired", "", 0);
      expired++;
    }
    return expired;
  }

  async blockedTerms(principal: Principal, streamIdParam: string | undefined): Promise<readonly string[]> {
    return (await this.moderated(principal, streamIdParam)).blockedTerms ?? [];
  }

  /** Replaces the stream's blocked terms; later posts holding one are held with reason blocked_term. */
  async setBlockedTerms(principal: Principal, streamIdParam: string | undefined, terms: unknown): Promise<readonly string[]> {
    const stream = await this.moderated(principal, streamIdParam);
    const updated = await this.update(stream.streamId, { blockedTerms: checkedTerms(terms) });
    return updated.blockedTerms ?? [];
  }

  /** The stream's owner and the moderators it named. */
  async moderators(principal: Principal, streamIdParam: string | undefined): Promise<{ ownerId: string | undefined; userIds: readonly string[] }> {
    const stream = await this.owned(principal, streamIdParam);
    return { ownerId: stream.ownerId, userIds: stream.moderators ?? [] };
  }

  /** Names a moderator of the stream (the owner or streams:admin); naming one again changes nothing. */
  async addModerator(principal: Principal, streamIdParam: string | undefined, userId: string): Promise<readonly string[]> {
    const stream = await this.owned(principal, streamIdParam);
    assertUserId(userId);
    const current = stream.moderators ?? [];
    if (!current.includes(userId) && current.length >= MAX_MODERATORS) {
      throw new LcError("invalid_argument", `a stream has at most ${MAX_MODERATORS} moderators`);
    }
    return (await this.update(stream.streamId, { addModerator: userId })).moderators ?? [];
  }

  /** Removes a moderator; removing one who is not changes nothing. */
  async removeModerator(principal: Principal, streamIdParam: string | undefined, userId: string): Promise<void> {
    const stream = await this.owned(principal, streamIdParam);
    assertUserId(userId);
    await this.update(stream.streamId, { removeModerator: userId });
  }

  /** Held comments held before this have expired. */
  private heldSince(): number {
    return this.options.clock.now() - this.options.heldTtlMs;
  }

  private async claim(streamId: string, commentId: string, outcome: HeldOutcome): Promise<HeldEntry> {
    const entry = await dependency("moderation store", this.options.store.claimHeld(streamId, commentId, outcome, this.heldSince()));
    if (!entry) throw new LcError("held_not_found", `stream ${streamId} has no held comment ${commentId} waiting for review`);
    return entry;
  }

  /** Tells the stream's moderators (through the log), then forgets the held comment. */
  private async resolved(streamId: string, commentId: string, outcome: HeldOutcome, moderatorId: string, commentSeq: number): Promise<void> {
    await this.append({ kind: "held_resolved", streamId, commentId, outcome, resolvedAt: this.options.clock.now(), moderatorId, commentSeq });
    await dependency("moderation store", this.options.store.forgetHeld(streamId, commentId));
  }

  /** Bans a user from posting to the stream, for `durationS` or for good; answers when it ends. */
  async ban(principal: Principal, streamIdParam: string | undefined, userId: unknown, durationS: unknown, reason: unknown): Promise<{ until: number | null }> {
    const stream = await this.moderated(principal, streamIdParam);
    assertUserId(userId);
    if (durationS !== undefined && durationS !== null && (!Number.isInteger(durationS) || (durationS as number) < 1 || (durationS as number) > MAX_BAN_S)) {
      throw new LcError("invalid_argument", `duration_s must be an integer from 1 to ${MAX_BAN_S}, or absent for a permanent ban`);
    }
    if (reason !== undefined && reason !== null && (typeof reason !== "string" || reason.length > MAX_BAN_REASON_LENGTH)) {
      throw new LcError("invalid_argument", `reason must be a string of at most ${MAX_BAN_REASON_LENGTH} characters`);
    }
    const until = typeof durationS === "number" ? this.options.clock.now() + durationS * 1000 : null;
    await dependency("moderation store", this.options.store.ban(stream.streamId, userId, { until, reason: typeof reason === "string" ? reason : "" }));
    return { until };
  }

  /** Lifts a ban; lifting one that does not exist changes nothing. */
  async unban(principal: Principal, streamIdParam: string | undefined, userId: unknown): Promise<void> {
    const stream = await this.moderated(principal, streamIdParam);
    assertUserId(userId);
    await dependency("moderation store", this.options.store.unban(stream.streamId, userId));
  }

  /** The stream, once the principal may moderate it. */
  private async moderated(principal: Principal, streamIdParam: string | undefined): Promise<Stream> {
    const stream = await this.stream(streamIdParam);
    assertModerates(stream, principal);
    return stream;
  }

  /** The stream, once the principal owns it (or holds streams:admin). */
  private async owned(principal: Principal, streamIdParam: string | undefined): Promise<Stream> {
    const stream = await this.stream(streamIdParam);
    assertOwns(stream, principal);
    return stream;
  }

  private async stream(streamIdParam: string | undefined): Promise<Stream> {
    const streamId = streamIdFromPath(streamIdParam);
    const stream = await dependency("stream registry", this.options.registry.get(streamId));
    if (!stream) throw new LcError("stream_not_found", `stream ${streamId} does not exist`);
    return stream;
  }

  /**
   * The comment, looked up where its id's time puts it on the stream's timeline. A comment
   * posted moments ago may not be archived yet: it is waited for a little, when `wait` allows.
   */
  private async findComment(stream: Stream, commentId: string, wait: boolean): Promise<Comment | undefined> {
    const postedAt = uuidV7Millis(commentId);
    if (postedAt === undefined) return undefined;
    const offsetMs = Math.max(0, postedAt - stream.startedAt);
    const { comments, clock } = this.options;
    const recent = wait && clock.now() - postedAt < RECENT_COMMENT_AGE_MS;
    const deadline = clock.now() + RECENT_COMMENT_WAIT_MS;
    for (;;) {
      const found = await dependency("archive store", comments.find(stream.streamId, commentId, offsetMs));
      if (found || !recent || clock.now() >= deadline) return found;
      await new Promise((resolve) => setTimeout(resolve, RECENT_COMMENT_POLL_MS));
    }
  }

  private async update(streamId: string, change: Parameters<StreamRegistry["update"]>[1]): Promise<Stream> {
    const updated = await dependency("stream registry", this.options.registry.update(streamId, change));
    if (!updated) throw new LcError("stream_not_found", `stream ${streamId} does not exist`);
    return updated;
  }

  private async append(change: StreamChange | ReviewChange): Promise<void> {
    await dependency("comment log", this.options.log.append(change), "log_unavailable");
  }
}

/** Most moderators one stream names. */
export const MAX_MODERATORS = 1_000;
/** Most blocked terms of one stream, and the longest, in characters. */
export const MAX_BLOCKED_TERMS = 1_000;
export const MAX_BLOCKED_TERM_LENGTH = 64;

/** User ids as tokens carry them (sub): 1 to 128 characters, no spaces or control characters. */
const USER_ID_PATTERN = /^[^\s\p{Cc}]{1,128}$/u;

/** Throws `invalid_argument` naming user_id unless it is a user id's form. */
export function assertUserId(userId: unknown, field = "user_id"): asserts userId is string {
  if (typeof userId !== "string" || !USER_ID_PATTERN.test(userId)) {
    throw new LcError("invalid_argument", `${field} must be 1 to 128 characters without spaces or control characters`);
  }
}

/** The registry change a modes request asks for, every field checked. */
function modesChange(request: ModesRequest): StreamUpdate & { slowModeS?: number } {
  const change: { -readonly [K in keyof StreamUpdate]: StreamUpdate[K] } = {};
  const integerIn = (value: unknown, field: string, max: number): number => {
    if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > max) {
      throw new LcError("invalid_argument", `${field} must be an integer from 0 to ${max}`);
    }
    return value as number;
  };
  const flag = (value: unknown, field: string): boolean => {
    if (typeof value !== "boolean") throw new LcError("invalid_argument", `${field} must be true or false`);
    return value;
  };
  if (request.slow_mode_s !== undefined) change.slowModeS = integerIn(request.slow_mode_s, "slow_mode_s", MAX_SLOW_MODE_S);
  if (request.delay_s !== undefined) change.delayS = integerIn(request.delay_s, "delay_s", MAX_DELAY_S);
  if (request.members_only !== undefined) change.membersOnly = flag(request.members_only, "members_only");
  if (request.unique_chat !== undefined) change.uniqueChat = flag(request.unique_chat, "unique_chat");
  return change;
}

/** Blocked terms as given, checked: at most 1,000 texts of 1 to 64 characters, without control characters; repeats once. */
function checkedTerms(terms: unknown): string[] {
  if (!Array.isArray(terms)) throw new LcError("invalid_argument", "terms must be an array of strings");
  if (terms.length > MAX_BLOCKED_TERMS) throw new LcError("invalid_argument", `terms: at most ${MAX_BLOCKED_TERMS} terms`);
  const kept = new Set<string>();
  for (const term of terms) {
    const length = typeof term === "string" ? [...term.trim()].length : 0;
    if (typeof term !== "string" || length < 1 || length > MAX_BLOCKED_TERM_LENGTH || /\p{Cc}/u.test(term)) {
      throw new LcError("invalid_argument", `terms: each term must be 1 to ${MAX_BLOCKED_TERM_LENGTH} characters without control characters`);
    }
    kept.add(term.trim());
  }
  return [...kept];
}
