import type { Comment } from "../../core/comment.js";
import type { Stream } from "../../core/stream.js";

/** What moderators change on a stream; fields left out stay as they are. */
export interface StreamUpdate {
  /** The pinned comment, or null to unpin. */
  readonly pinned?: Comment | null;
  readonly slowModeS?: number;
  /** The time of the last change to what replays show (a deletion): replay windows are addressed by it. */
  readonly revision?: number;
  readonly membersOnly?: boolean;
  readonly uniqueChat?: boolean;
  readonly delayS?: number;
  /** Replaces the blocked terms. */
  readonly blockedTerms?: readonly string[];
  /** Names a moderator; atomic against other changes of the list. */
  readonly addModerator?: string;
  /** Removes a moderator; atomic against other changes of the list. */
  readonly removeModerator?: string;
}

/**
 * The registry of streams: which exist, when each started (the zero of its video timeline)
 * and whether it has ended.
 *
 * Guarantees: `create` fails with `stream_exists` for a taken id and keeps the owner it is
 * given; `end` is idempotent and keeps the first end time; `get` answers undefined for an
 * unknown id; `update` changes only the fields it is given and answers undefined for an
 * unknown id; two processes naming moderators at once both keep theirs.
 */
export interface StreamRegistry {
  create(stream: Stream): Promise<Stream>;
  end(streamId: string, endedAt: number): Promise<Stream | undefined>;
  update(streamId: string, update: StreamUpdate): Promise<Stream | undefined>;
  get(streamId: string): Promise<Stream | undefined>;
  close(): Promise<void>;
}
