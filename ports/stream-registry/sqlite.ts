import type { Stream } from "../../core/stream.js";
import { LcError } from "../../core/errors.js";
import type { SqliteDatabase } from "../sqlite/open-database.js";
import type { StreamRegistry } from "./index.js";

interface StreamRow {
  stream_id: string;
  title: string;
  started_at: number;
  ended_at: number | null;
}

function rowToStream(row: StreamRow): Stream {
  return row.ended_at === null
    ? { streamId: row.stream_id, title: row.title, startedAt: row.started_at }
    : { streamId: row.stream_id, title: row.title, startedAt: row.started_at, endedAt: row.ended_at };
}

/** The embedded stream registry: one SQLite table. */
export function createSqliteStreamRegistry(db: SqliteDatabase): StreamRegistry {
  db.exec(`CREATE TABLE IF NOT EXISTS streams (
    stream_id TEXT PRIMARY KEY, title TEXT NOT NULL, started_at INTEGER NOT NULL, ended_at INTEGER
  ) WITHOUT ROWID`);
  const insert = db.prepare("INSERT OR IGNORE INTO streams (stream_id, title, started_at) VALUES (?, ?, ?)");
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
    async get(streamId) {
      const row = select.get(streamId);
      return row && rowToStream(row);
    },
    async close() {},
  };
}
