import type { CommentRecord } from "../../core/comment.js";
import type { HeldOutcome } from "../../core/log-event.js";

/** What a post's check against the stream's bans, unique chat and slow mode found. */
export type PosterAdmission =
  | { readonly status: "admitted" }
  /** Unique chat: the same text was accepted within the window. */
  | { readonly status: "duplicate_text" }
  /** `until`: when the ban ends (ms since the epoch), null for a permanent one. */
  | { readonly status: "banned"; readonly until: number | null }
  | { readonly status: "slow_mode"; readonly retryAfterMs: number };

/** A ban as a moderator set it. */
export interface Ban {
  /** When it ends (ms since the epoch); null: permanent. */
  readonly until: number | null;
  readonly reason: string;
}

/** A comment held for review, as the store keeps it until it is resolved. */
export interface HeldEntry {
  /** The comment as it will be published: its times are the times it was posted. */
  readonly record: CommentRecord;
  readonly reason: string;
  readonly heldAt: number;
}

/** Most held comments one listing answers. */
export const MAX_HELD_LISTED = 500;

/**
 * The moderation state every ingest process enforces: bans per stream and user, the slow-mode
 * slot of each poster, the texts unique chat remembers, which comments were deleted (so a
 * repeated deletion gets the first answer), and the comments held for review.
 *
 * Guarantees every adapter keeps:
 * - A ban holds until `until` (or `unban`), for every ingest process sharing the store, and
 *   survives an ingest restart.
 * - `admitPoster` is atomic: of two posts of one user within the slow-mode interval, one is
 *   admitted; the other is told how long to wait. A banned user takes no slot.
 * - `markDeleted` answers the time of the first deletion of a comment, however often it runs.
 * - A held comment stays until `forgetHeld`, through restarts. `claimHeld` is atomic: of two
 *   moderators resolving one comment differently, one wins and the other finds nothing; the
 *   same outcome claimed again (a retry) finds the comment again.
 */
export interface ModerationStore {
  ban(streamId: string, userId: string, ban: Ban): Promise<void>;
  /** Lifts a ban; nothing happens for a user who is not banned. */
  unban(streamId: string, userId: string): Promise<void>;
  /**
   * Checks a post: the user's ban, then (given `uniqueText`, the post's normalised text) whether
   * that text was accepted on the stream within the unique-chat window (core/stream.ts), then the slow-mode
   * slot (`slowModeMs` 0: none). Admitted, it takes the slot and remembers the text.
   */
  admitPoster(streamId: string, userId: string, slowModeMs: number, uniqueText?: string): Promise<PosterAdmission>;
  /** Forgets a text `admitPoster` remembered, for a post that was not accepted after all. */
  releaseText(streamId: string, uniqueText: string): Promise<void>;
  /** Keeps a comment for review. */
  hold(entry: HeldEntry): Promise<void>;
  /** The stream's unresolved held comments held at or after `heldSince`, oldest first, at most `limit`. */
  listHeld(streamId: string, heldSince: number, limit: number): Promise<HeldEntry[]>;
  /**
   * Resolves a held comment: an unresolved one (held at or after `heldSince`, or for `expired`
   * before it), or one already claimed with the same outcome. Undefined for any other.
   */
  claimHeld(streamId: string, commentId: string, outcome: HeldOutcome, heldSince: number): Promise<HeldEntry | undefined>;
  /** Drops a resolved held comment once its resolution is in the log. */
  forgetHeld(streamId: string, commentId: string): Promise<void>;
  /** Unresolved held comments of any stream held before `heldBefore`, oldest first, at most `limit`. */
  expiredHeld(heldBefore: number, limit: number): Promise<HeldEntry[]>;
  /** Records a deletion; resolves with the time of the first deletion of that comment. */
  markDeleted(streamId: string, commentId: string, deletedAt: number): Promise<number>;
  /** When the comment was deleted, or undefined. */
  deletedAt(streamId: string, commentId: string): Promise<number | undefined>;
  close(): Promise<void>;
}
