import type { Comment, CommentRecord } from "./comment.js";

/**
 * An event of a stream other than a comment, as the log carries it: what moderators and the
 * registry change and every viewer must see in the stream's order.
 */
export type StreamChange =
  | {
      readonly kind: "deletion";
      readonly streamId: string;
      readonly commentId: string;
      /** The same on every repeat of one deletion. */
      readonly deletedAt: number;
      /** Where the deleted comment sits, so stores remove it without a search. */
      readonly offsetMs: number;
      readonly commentSeq: number;
      readonly moderatorId: string;
    }
  | {
      readonly kind: "pin";
      readonly streamId: string;
      /** The pinned comment, or null once unpinned. */
      readonly comment: Comment | null;
      readonly changedAt: number;
      readonly moderatorId: string;
    }
  | { readonly kind: "slow_mode"; readonly streamId: string; readonly slowModeS: number; readonly changedAt: number; readonly moderatorId: string }
  | { readonly kind: "stream_end"; readonly streamId: string; readonly endedAt: number };

/** What a role appends to the log: a comment before the log placed it, or a change. */
export type LogEntry = { readonly kind: "comment"; readonly streamId: string; readonly record: CommentRecord } | StreamChange;

/** A record of the log with its position, the seq that SSE ids and cursors count. */
export type LogEvent = CommentEvent | (StreamChange & { readonly seq: number });

/** A comment as the log delivers it. */
export interface CommentEvent {
  readonly kind: "comment";
  readonly streamId: string;
  readonly seq: number;
  readonly comment: Comment;
}

/** The entry of a comment record, ready to append. */
export function commentEntry(record: CommentRecord): LogEntry {
  return { kind: "comment", streamId: record.streamId, record };
}

/** A placed comment as a log event. */
export function commentEvent(comment: Comment): CommentEvent {
  return { kind: "comment", streamId: comment.streamId, seq: comment.seq, comment };
}

/** The event an entry becomes once the log placed it at `seq`; a comment keeps requestId but not clientTs or meta. */
export function placeEntry(entry: LogEntry, seq: number): LogEvent {
  if (entry.kind !== "comment") return { ...entry, seq };
  const { clientTs: _clientTs, meta: _meta, ...comment } = entry.record;
  return commentEvent({ ...comment, seq });
}

/**
 * Most recent comments a new subscriber can be given before live events: the edge's `history`
 * bound and the relay's, which must agree since the edge asks the relay for this many.
 */
export const MAX_RECENT_COMMENTS = 200;

/** The comments among events, in order. */
export function commentsOf(events: readonly LogEvent[]): Comment[] {
  const comments: Comment[] = [];
  for (const event of events) if (event.kind === "comment") comments.push(event.comment);
  return comments;
}

/** When an entry happened (ms since the epoch): a comment's server_ts, a change's own time. */
export function entryTime(entry: LogEntry): number {
  switch (entry.kind) {
    case "comment":
      return entry.record.serverTs;
    case "deletion":
      return entry.deletedAt;
    case "stream_end":
      return entry.endedAt;
    default:
      return entry.changedAt;
  }
}
