import type { Comment } from "../../core/comment.js";

/** The comment columns every embedded table shares, as SQLite returns them. */
export interface CommentRow {
  stream_id: string;
  seq: number;
  comment_id: string;
  user_id: string;
  username: string;
  text: string;
  server_ts: number;
  offset_ms: number;
}

/** The columns of {@link CommentRow}, for SELECT lists. */
export const COMMENT_COLUMNS = "stream_id, seq, comment_id, user_id, username, text, server_ts, offset_ms";

/** Maps a row to the domain comment. */
export function rowToComment(row: CommentRow): Comment {
  return {
    commentId: row.comment_id,
    streamId: row.stream_id,
    userId: row.user_id,
    username: row.username,
    text: row.text,
    serverTs: row.server_ts,
    offsetMs: row.offset_ms,
    seq: row.seq,
  };
}
