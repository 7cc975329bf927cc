import type { Comment } from "../../core/comment.js";
import type { Stream } from "../../core/stream.js";
import { streamWithModeration } from "../../core/stream.js";
import { LcError } from "../../core/errors.js";
import type { SqliteDatabase } from "../sqlite/open-database.js";
import type { StreamRegistry } from "./index.js";

interface StreamRow {
  stream_id: string;
  title: string;
  started_at: number;
  ended_at: number | null;
  pinned: string | null;
  slow_mode_s: number;
  revision: number;
}

function rowToStream(row: StreamRow): Stream {
  const stream: Stream =
    row.ended_at === null
      ? { streamId: row.stream_id, title: row.title, startedAt: row.started_at }
      : { streamId: row.stream_id, title: row.title, startedAt: row.started_at, endedAt: row.ended_at };
  return streamWithModeration(stream, row.pinned === null ? undefined : (JSON.parse(row.pinned) as Comment), row.slow_mode_s, row.revision);
}

/** Columns added after the first version of the table, with their definitions. */
const MODERATION_COLUMNS: Record<string, string> = {
  pinned: "TEXT",
  slow_mode_s: "INTEGER NOT NULL DEFAULT 0",
  revision: "INTEGER NOT NULL DEFAULT 0",
};

/** The embedded stream registry: one SQLite table. */
export function createSqliteStreamRegistry(db: SqliteDatabase): StreamRegistry {
  db.exec(`CREATE TABLE IF NOT EXISTS streams (
    stream_id TEXT PRIMARY KEY, title TEXT NOT NULL, started_at INTEGER NOT NULL, ended_at INTEGER
  ) WITHOUT ROWID`);
  const columns = new Set(
    db
      .prepare<[], { name: string }>("SELECT name FROM pragma_table_info('streams')")
      .all()
      .map((c) => c.name),
  );
  for (const [column, definition] of Object.entries(MODERATION_COLUMNS))
    if (!columns.has(column)) db.exec(`ALTER TABLE streams ADD COLUMN ${column} ${definition}`);
  const insert = db.prepare("INSERT OR IGNORE INTO streams (stream_id, title, started_at) VALUES (?, ?, ?)");
  const update = db.prepare<{ streamId: string; setPinned: number; pinned: string | null; slowModeS: number | null; revision: number | null }>(
    `UPDATE streams SET
       pinned = CASE WHEN @setPinned THEN @pinned ELSE pinned END,
       slow_mode_s = COALESCE(@slowModeS, slow_mode_s),
       revision = COALESCE(@revision, revision)
     WHERE stream_id = @streamId`,
  );
  const select = db.prepare<[string], StreamRow>("SELECT * FROM streams WHERE stream_id = ?");
  const end = db.prepare("UPDATE streams SET ended_at = ? WHERE stream_id = ? AND ended_at IS NULL");
  return {
    async create(stream) {
      if (insert.run(stream.streamId, stream.title, stream.startedAt).changes === 0) {
        throw new LcError("stream_exists", `stream ${stream.streamId} already exists`);
      }
      return stream;
    },
    async end(streamId, endedAt) {
      end.run(endedAt, streamId);
      const row = select.get(streamId);
      return row && rowToStream(row);
    },
    async update(streamId, change) {
      update.run({
        streamId,
        setPinned: change.pinned === undefined ? 0 : 1,
        pinned: change.pinned ? JSON.stringify(change.pinned) : null,
        slowModeS: change.slowModeS ?? null,
        revision: change.revision ?? null,
      });
      const row = select.get(streamId);
      return row && rowToStream(row);
    },
    async get(streamId) {
      const row = select.get(streamId);
      return row && rowToStream(row);
    },
    async close() {},
  };
}
