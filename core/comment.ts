import type { WireComment } from "../client/shared/wire-types.js";

/**
 * A comment as it travels through the system once the log has given it its seq.
 * Times are integer milliseconds.
 */
export interface Comment {
  /** UUIDv7 chosen at ingest; duplicates are removed by it everywhere. */
  readonly commentId: string;
  readonly streamId: string;
  readonly userId: string;
  readonly username: string;
  readonly text: string;
  /** Acceptance time at ingest, milliseconds since the Unix epoch. */
  readonly serverTs: number;
  /** serverTs minus the stream's start: the comment's place on the video timeline. */
  readonly offsetMs: number;
  /** Position in the log for its stream: increases, gaps allowed; the resume cursor. */
  readonly seq: number;
  /** Id of the request that posted it, so logs can follow it; never shown to viewers. */
  readonly requestId?: string;
}

/** What ingest appends to the log: a comment before the log has placed it. */
export interface CommentRecord extends Omit<Comment, "seq"> {
  /** The client's clock when the user pressed send, for latency analysis. */
  readonly clientTs?: number;
  /** Free-form client data, already bounded by ingest; kept in the log for analytics. */
  readonly meta?: Readonly<Record<string, unknown>>;
}

/** The JSON shape of a comment on every HTTP API. */
export type CommentJson = WireComment;

/** Maps a comment to its HTTP JSON shape. */
export function commentToJson(comment: Comment): CommentJson {
  return {
    comment_id: comment.commentId,
    stream_id: comment.streamId,
    user_id: comment.userId,
    username: comment.username,
    text: comment.text,
    server_ts: comment.serverTs,
    offset_ms: comment.offsetMs,
    seq: comment.seq,
  };
}
