/** What a post's check against the stream's bans and slow mode found. */
export type PosterAdmission =
  | { readonly status: "admitted" }
  /** `until`: when the ban ends (ms since the epoch), null for a permanent one. */
  | { readonly status: "banned"; readonly until: number | null }
  | { readonly status: "slow_mode"; readonly retryAfterMs: number };

/** A ban as a moderator set it. */
export interface Ban {
  /** When it ends (ms since the epoch); null: permanent. */
  readonly until: number | null;
  readonly reason: string;
}

/**
 * The moderation state every ingest process enforces: bans per stream and user, the slow-mode
 * slot of each poster, and which comments were deleted (so a repeated deletion gets the first
 * answer).
 *
 * Guarantees every adapter keeps:
 * - A ban holds until `until` (or `unban`), for every ingest process sharing the store, and
 *   survives an ingest restart.
 * - `admitPoster` is atomic: of two posts of one user within the slow-mode interval, one is
 *   admitted; the other is told how long to wait. A banned user takes no slot.
 * - `markDeleted` answers the time of the first deletion of a comment, however often it runs.
 */
export interface ModerationStore {
  ban(streamId: string, userId: string, ban: Ban): Promise<void>;
  /** Lifts a ban; nothing happens for a user who is not banned. */
  unban(streamId: string, userId: string): Promise<void>;
  /** Checks a post: the user's ban, then the slow-mode slot (`slowModeMs` 0: none), which it takes. */
  admitPoster(streamId: string, userId: string, slowModeMs: number): Promise<PosterAdmission>;
  /** Records a deletion; resolves with the time of the first deletion of that comment. */
  markDeleted(streamId: string, commentId: string, deletedAt: number): Promise<number>;
  /** When the comment was deleted, or undefined. */
  deletedAt(streamId: string, commentId: string): Promise<number | undefined>;
  close(): Promise<void>;
}
