import type { Comment } from "../../core/comment.js";
import type { SqliteDatabase } from "../sqlite/open-database.js";
import type { CommentRow } from "../sqlite/comment-row.js";
import { COMMENT_COLUMNS, COMMENT_COLUMN_DEFINITIONS, rowToComment } from "../sqlite/comment-row.js";
import type { ArchiveStore } from "./index.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS archive_comments (${COMMENT_COLUMN_DEFINITIONS},
  PRIMARY KEY (stream_id, offset_ms, seq)
) WITHOUT ROWID;
`;

/** The embedded archive: one clustered SQLite table keyed like the Cassandra one. */
export function createSqliteArchiveStore(db: SqliteDatabase): ArchiveStore {
  db.exec(SCHEMA);
  const insert = db.prepare(
    `INSERT OR IGNORE INTO archive_comments (stream_id, offset_ms, seq, comment_id, user_id, username, text, server_ts)
     VALUES (@streamId, @offsetMs, @seq, @commentId, @userId, @username, @text, @serverTs)`,
  );
  const writeBatch = db.transaction((batch: readonly Comment[]) => {
    for (const comment of batch) insert.run(comment);
  });
  const page = db.prepare<[string, number, number, number, number], CommentRow>(
    `SELECT ${COMMENT_COLUMNS} FROM archive_comments
     WHERE stream_id = ? AND (offset_ms, seq) > (?, ?) AND offset_ms < ?
     ORDER BY offset_ms, seq LIMIT ?`,
  );
  // The row-value comparison starts strictly after the cursor; without one, start just
  // before fromMs so that a comment at exactly fromMs with the smallest seq is included.
  const countStream = db.prepare<[string], { n: number }>("SELECT COUNT(*) AS n FROM archive_comments WHERE stream_id = ?");
  return {
    async count(streamId) {
      return countStream.get(streamId)!.n;
    },
    async write(batch) {
      writeBatch(batch);
    },
    async window({ streamId, fromMs, toMs, after, limit }) {
      const [afterMs, afterSeq] = after ? [after.offsetMs, after.seq] : [fromMs, Number.MIN_SAFE_INTEGER];
      return page.all(streamId, afterMs, afterSeq, toMs, limit).map(rowToComment);
    },
    async close() {},
  };
}
