import type { Comment } from "../../core/comment.js";
import type { SqliteDatabase } from "../sqlite/open-database.js";
import type { CommentRow } from "../sqlite/comment-row.js";
import { COMMENT_COLUMNS, COMMENT_COLUMN_DEFINITIONS, rowToComment } from "../sqlite/comment-row.js";
import type { ArchiveStore, ArchivedDeletion, SecondCount } from "./index.js";
import { secondOf } from "./index.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS archive_comments (${COMMENT_COLUMN_DEFINITIONS},
  PRIMARY KEY (stream_id, offset_ms, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS archive_deletions (
  stream_id TEXT NOT NULL, comment_id TEXT NOT NULL, deleted_at INTEGER NOT NULL,
  PRIMARY KEY (stream_id, comment_id)
) WITHOUT ROWID;
`;

/**
 * The comments of each second of a stream, changed in the transaction that inserts or deletes
 * a comment and only when a row did change, so a batch written again or a deletion applied
 * again moves no count. An archive written before this table is counted once when it is made.
 */
function secondCountsTable(db: SqliteDatabase): void {
  if (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'archive_seconds'").get()) return;
  db.transaction(() => {
    db.exec(`CREATE TABLE archive_seconds (
      stream_id TEXT NOT NULL, second INTEGER NOT NULL, count INTEGER NOT NULL,
      PRIMARY KEY (stream_id, second)
    ) WITHOUT ROWID`);
    db.exec(`INSERT INTO archive_seconds (stream_id, second, count)
      SELECT stream_id, offset_ms / 1000 - (offset_ms < 0 AND offset_ms % 1000 != 0), COUNT(*) FROM archive_comments GROUP BY 1, 2`);
  })();
}

/**
 * One row per comment_id: a second copy of a comment (at another seq) is not stored. An archive
 * written before this index may hold such copies: the later ones go before the index is built.
 */
function uniqueCommentIds(db: SqliteDatabase): void {
  if (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'archive_comments_by_id'").get()) return;
  db.exec(`DELETE FROM archive_comments AS a WHERE EXISTS (
    SELECT 1 FROM archive_comments AS b
    WHERE b.stream_id = a.stream_id AND b.comment_id = a.comment_id AND (b.offset_ms, b.seq) < (a.offset_ms, a.seq))`);
  db.exec("CREATE UNIQUE INDEX archive_comments_by_id ON archive_comments (stream_id, comment_id)");
}

/** The embedded archive: one clustered SQLite table keyed like the Cassandra one. */
export function createSqliteArchiveStore(db: SqliteDatabase): ArchiveStore {
  db.exec(SCHEMA);
  uniqueCommentIds(db);
  secondCountsTable(db);
  // OR IGNORE covers both a rewrite (same key) and a second copy (same comment_id).
  const insert = db.prepare(
    `INSERT OR IGNORE INTO archive_comments (stream_id, offset_ms, seq, comment_id, user_id, username, text, server_ts)
     SELECT @streamId, @offsetMs, @seq, @commentId, @userId, @username, @text, @serverTs
     WHERE NOT EXISTS (SELECT 1 FROM archive_deletions WHERE stream_id = @streamId AND comment_id = @commentId)`,
  );
  const addToSecond = db.prepare(
    `INSERT INTO archive_seconds (stream_id, second, count) VALUES (?, ?, ?)
     ON CONFLICT (stream_id, second) DO UPDATE SET count = count + excluded.count`,
  );
  const writeBatch = db.transaction((batch: readonly Comment[]) => {
    for (const comment of batch) {
      if (insert.run(comment).changes > 0) addToSecond.run(comment.streamId, secondOf(comment.offsetMs), 1);
    }
  });
  const noteDeletion = db.prepare("INSERT OR IGNORE INTO archive_deletions (stream_id, comment_id, deleted_at) VALUES (@streamId, @commentId, @deletedAt)");
  const deleteComment = db.prepare<[ArchivedDeletion], { offset_ms: number }>(
    "DELETE FROM archive_comments WHERE stream_id = @streamId AND comment_id = @commentId RETURNING offset_ms",
  );
  const removeBatch = db.transaction((deletions: readonly ArchivedDeletion[]) => {
    for (const deletion of deletions) {
      noteDeletion.run(deletion);
      for (const row of deleteComment.all(deletion)) addToSecond.run(deletion.streamId, secondOf(row.offset_ms), -1);
    }
  });
  const byId = db.prepare<[string, string], CommentRow>(`SELECT ${COMMENT_COLUMNS} FROM archive_comments WHERE stream_id = ? AND comment_id = ?`);
  const page = db.prepare<[string, number, number, number, number], CommentRow>(
    `SELECT ${COMMENT_COLUMNS} FROM archive_comments
     WHERE stream_id = ? AND (offset_ms, seq) > (?, ?) AND offset_ms < ?
     ORDER BY offset_ms, seq LIMIT ?`,
  );
  // The row-value comparison starts strictly after the cursor; without one, start just
  // before fromMs so that a comment at exactly fromMs with the smallest seq is included.
  const countStream = db.prepare<[string], { n: number }>("SELECT COUNT(*) AS n FROM archive_comments WHERE stream_id = ?");
  const seconds = db.prepare<[string], SecondCount>("SELECT second, count FROM archive_seconds WHERE stream_id = ? AND count > 0 ORDER BY second");
  return {
    async secondCounts(streamId) {
      return seconds.all(streamId);
    },
    async count(streamId) {
      return countStream.get(streamId)!.n;
    },
    async write(batch) {
      writeBatch(batch);
    },
    async remove(deletions) {
      removeBatch(deletions);
    },
    async find(streamId, commentId) {
      const row = byId.get(streamId, commentId);
      return row && rowToComment(row);
    },
    async window({ streamId, fromMs, toMs, after, limit }) {
      const [afterMs, afterSeq] = after ? [after.offsetMs, after.seq] : [fromMs, Number.MIN_SAFE_INTEGER];
      return page.all(streamId, afterMs, afterSeq, toMs, limit).map(rowToComment);
    },
    async close() {},
  };
}
