import type { Principal } from "../core/auth/authenticator.js";
import { canModerate } from "../core/auth/scopes.js";
import type { Clock } from "../core/clock.js";
import type { Comment } from "../core/comment.js";
import { dependency } from "../core/dependency.js";
import { LcError } from "../core/errors.js";
import type { StreamChange } from "../core/log-event.js";
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
}

/**
 * What moderators (scope comments:moderate, or streams:admin) do to a stream: delete and pin
 * comments, ban users, set slow mode. Each change is recorded where it is enforced (the
 * registry, the moderation store) and appended to the log, which carries it to every viewer,
 * the relay's rings and the archive; a change is answered only once the log holds it.
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
    const stream = await this.moderated(principal, streamIdParam);
    if (!Number.isInteger(slowModeS) || (slowModeS as number) < 0 || (slowModeS as number) > MAX_SLOW_MODE_S) {
      throw new LcError("invalid_argument", `slow_mode_s must be an integer from 0 to ${MAX_SLOW_MODE_S}`);
    }
    const seconds = slowModeS as number;
    const updated = await this.update(stream.streamId, { slowModeS: seconds });
    await this.append({ kind: "slow_mode", streamId: stream.streamId, slowModeS: seconds, changedAt: this.options.clock.now(), moderatorId: principal.userId });
    return updated;
  }

  /** Bans a user from posting to the stream, for `durationS` or for good; answers when it ends. */
  async ban(principal: Principal, streamIdParam: string | undefined, userId: string, durationS: unknown, reason: unknown): Promise<{ until: number | null }> {
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
  async unban(principal: Principal, streamIdParam: string | undefined, userId: string): Promise<void> {
    const stream = await this.moderated(principal, streamIdParam);
    assertUserId(userId);
    await dependency("moderation store", this.options.store.unban(stream.streamId, userId));
  }

  /** The stream, once the principal may moderate it. */
  private async moderated(principal: Principal, streamIdParam: string | undefined): Promise<Stream> {
    if (!canModerate(principal.scopes)) throw new LcError("permission_denied", "this needs scope comments:moderate");
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

  private async append(change: StreamChange): Promise<void> {
    await dependency("comment log", this.options.log.append(change), "log_unavailable");
  }
}

function assertUserId(userId: string): void {
  if (userId.length === 0 || userId.length > 128) throw new LcError("invalid_argument", "user_id must be 1 to 128 characters");
}
