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

/** The definitions of the {@link CommentRow} columns, for CREATE TABLE. */
export const COMMENT_COLUMN_DEFINITIONS = `
  stream_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  comment_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  username TEXT NOT NULL,
  text TEXT NOT NULL,
  server_ts INTEGER NOT NULL,
  offset_ms INTEGER NOT NULL`;

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
