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

/** How a held comment left the review queue. */
export type HeldOutcome = "approved" | "denied" | "expired";

/**
 * What happens to the comments held for review. Viewers never get these; the stream's
 * moderators do, and the firehose carries them.
 */
export type ReviewChange =
  | {
      readonly kind: "held";
      readonly streamId: string;
      /** The comment as it will be published if approved: its time is the time it was posted. */
      readonly record: CommentRecord;
      /** `blocked_term`, or the review hook's reason. */
      readonly reason: string;
      readonly heldAt: number;
    }
  | {
      readonly kind: "held_resolved";
      readonly streamId: string;
      readonly commentId: string;
      readonly outcome: HeldOutcome;
      readonly resolvedAt: number;
      /** Empty for an expiry. */
      readonly moderatorId: string;
      /** The published comment's seq, for an approval; else 0. */
      readonly commentSeq: number;
    };

/**
 * The trace a record belongs to: the W3C traceparent of the span that appended it, set only when
 * that span was sampled, so the hops after the log trace exactly the posts that were traced.
 */
export interface Traced {
  readonly traceParent?: string;
}

/** What a role appends to the log: a comment before the log placed it, a change, or a review's step. */
export type LogEntry = ({ readonly kind: "comment"; readonly streamId: string; readonly record: CommentRecord } | StreamChange | ReviewChange) & Traced;

/** A record of the log with its position, the seq that SSE ids and cursors count. */
export type LogEvent = (CommentEvent | ((StreamChange | ReviewChange) & { readonly seq: number })) & Traced;

/** `event` in the trace `traceParent` names; the same event when there is none. */
export function withTraceParent<E extends LogEvent>(event: E, traceParent: string | undefined): E {
  return traceParent ? { ...event, traceParent } : event;
}

/** Whether an event is one only moderators see (a held comment, or its resolution). */
export function isReviewEvent(event: { readonly kind: string }): event is ReviewChange & { readonly seq: number } {
  return event.kind === "held" || event.kind === "held_resolved";
}

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
  return withTraceParent(commentEvent({ ...comment, seq }), entry.traceParent);
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

/** When a placed event happened (ms since the epoch): a comment's server_ts, a change's own time. */
export function eventTime(event: LogEvent): number {
  return event.kind === "comment" ? event.comment.serverTs : entryTime(event);
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
    case "held":
      return entry.heldAt;
    case "held_resolved":
      return entry.resolvedAt;
    default:
      return entry.changedAt;
  }
}
