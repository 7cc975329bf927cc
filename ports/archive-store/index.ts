import type { Comment } from "../../core/comment.js";

/**
 * Where comments are kept for replay, read by video time.
 *
 * Guarantees every adapter keeps:
 * - `write` is idempotent: writing a comment again (same streamId, offsetMs, seq) changes
 *   nothing, so the archive consumer can replay the log after a crash.
 * - `window` returns comments ordered by offsetMs then seq, the order a replay shows them.
 * - `count` counts each comment once, however often it was written.
 * - `remove` is final: the comment leaves windows and counts, and writing it again (the log
 *   replayed, or a second copy of it) does not bring it back.
 * - `secondCounts` agrees with the comments held, second by second, however often a batch or a
 *   deletion was applied, without reading the comments.
 */
export interface ArchiveStore {
  /** Stores a batch; resolves once the store acknowledged all of it. */
  write(batch: readonly Comment[]): Promise<void>;
  /** Takes comments down for good; resolves once the store acknowledged it. */
  remove(deletions: readonly ArchivedDeletion[]): Promise<void>;
  /**
   * A comment of the stream by id, or undefined when the archive does not hold it (not yet, or
   * deleted). `offsetMs` is where it sits (its UUIDv7 time minus the stream's start).
   */
  find(streamId: string, commentId: string, offsetMs: number): Promise<Comment | undefined>;
  /** One page of a window; see {@link WindowQuery}. */
  window(query: WindowQuery): Promise<Comment[]>;
  /**
   * How many comments of the stream the archive holds. `completeBeforeMs` is an offset before
   * which no comment can still arrive: an adapter may remember counts of that part for good.
   */
  count(streamId: string, completeBeforeMs: number): Promise<number>;
  /**
   * How many comments the archive holds in each second of the stream's video (second s is
   * offsets [s*1000, (s+1)*1000)), seconds without any left out, in order.
   */
  secondCounts(streamId: string): Promise<SecondCount[]>;
  close(): Promise<void>;
}

/** A page of comments with fromMs ≤ offsetMs < toMs, after an optional cursor. */
export interface WindowQuery {
  readonly streamId: string;
  readonly fromMs: number;
  readonly toMs: number;
  /** Only comments after this (offsetMs, seq) position, for the next page. */
  readonly after?: WindowCursor;
  readonly limit: number;
}

/** A position in a stream's replay order. */
export interface WindowCursor {
  readonly offsetMs: number;
  readonly seq: number;
}

/** A comment to take down, with where it sits. */
export interface ArchivedDeletion {
  readonly streamId: string;
  readonly commentId: string;
  readonly offsetMs: number;
  readonly deletedAt: number;
}

/** The number of comments in one second of a stream's video. */
export interface SecondCount {
  readonly second: number;
  readonly count: number;
}

/** The second of the video a comment falls in. */
export function secondOf(offsetMs: number): number {
  return Math.floor(offsetMs / 1000);
}
