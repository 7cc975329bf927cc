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
  owner_id: string | null;
  moderators: string | null;
  blocked_terms: string | null;
  members_only: number;
  unique_chat: number;
  delay_s: number;
}

function rowToStream(row: StreamRow): Stream {
  const stream: Stream =
    row.ended_at === null
      ? { streamId: row.stream_id, title: row.title, startedAt: row.started_at }
      : { streamId: row.stream_id, title: row.title, startedAt: row.started_at, endedAt: row.ended_at };
  return streamWithModeration(stream, {
    pinned: row.pinned === null ? undefined : (JSON.parse(row.pinned) as Comment),
    slowModeS: row.slow_mode_s,
    revision: row.revision,
    ownerId: row.owner_id,
    moderators: row.moderators === null ? null : (JSON.parse(row.moderators) as string[]),
    blockedTerms: row.blocked_terms === null ? null : (JSON.parse(row.blocked_terms) as string[]),
    membersOnly: row.members_only === 1,
    uniqueChat: row.unique_chat === 1,
    delayS: row.delay_s,
  });
}

/** Columns added after the first version of the table, with their definitions. */
const MODERATION_COLUMNS: Record<string, string> = {
  pinned: "TEXT",
  slow_mode_s: "INTEGER NOT NULL DEFAULT 0",
  revision: "INTEGER NOT NULL DEFAULT 0",
  owner_id: "TEXT",
  moderators: "TEXT",
  blocked_terms: "TEXT",
  members_only: "INTEGER NOT NULL DEFAULT 0",
  unique_chat: "INTEGER NOT NULL DEFAULT 0",
  delay_s: "INTEGER NOT NULL DEFAULT 0",
};

interface UpdateParams {
  streamId: string;
  setPinned: number;
  pinned: string | null;
  slowModeS: number | null;
  revision: number | null;
  membersOnly: number | null;
  uniqueChat: number | null;
  delayS: number | null;
  blockedTerms: string | null;
  moderators: string | null;
}

const flag = (value: boolean | undefined) => (value === undefined ? null : value ? 1 : 0);

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
  const insert = db.prepare("INSERT OR IGNORE INTO streams (stream_id, title, started_at, owner_id) VALUES (?, ?, ?, ?)");
  const update = db.prepare<UpdateParams>(
    `UPDATE streams SET
       pinned = CASE WHEN @setPinned THEN @pinned ELSE pinned END,
       slow_mode_s = COALESCE(@slowModeS, slow_mode_s),
       revision = COALESCE(@revision, revision),
       members_only = COALESCE(@membersOnly, members_only),
       unique_chat = COALESCE(@uniqueChat, unique_chat),
       delay_s = COALESCE(@delayS, delay_s),
       blocked_terms = COALESCE(@blockedTerms, blocked_terms),
       moderators = COALESCE(@moderators, moderators)
     WHERE stream_id = @streamId`,
  );
  const select = db.prepare<[string], StreamRow>("SELECT * FROM streams WHERE stream_id = ?");
  const end = db.prepare("UPDATE streams SET ended_at = ? WHERE stream_id = ? AND ended_at IS NULL");
  const read = (streamId: string) => {
    const row = select.get(streamId);
    return row && rowToStream(row);
  };
  return {
    async create(stream) {
      if (insert.run(stream.streamId, stream.title, stream.startedAt, stream.ownerId ?? null).changes === 0) {
        throw new LcError("stream_exists", `stream ${stream.streamId} already exists`);
      }
      return stream;
    },
    async end(streamId, endedAt) {
      end.run(endedAt, streamId);
      return read(streamId);
    },
    async update(streamId, change) {
      // One process writes this file and this runs without a pause, so reading the list and
      // writing it back is atomic.
      const current = read(streamId);
      if (!current) return undefined;
      let moderators: string[] | undefined;
      if (change.addModerator !== undefined || change.removeModerator !== undefined) {
        const names = new Set(current.moderators);
        if (change.addModerator !== undefined) names.add(change.addModerator);
        if (change.removeModerator !== undefined) names.delete(change.removeModerator);
        moderators = [...names];
      }
      update.run({
        streamId,
        setPinned: change.pinned === undefined ? 0 : 1,
        pinned: change.pinned ? JSON.stringify(change.pinned) : null,
        slowModeS: change.slowModeS ?? null,
        revision: change.revision ?? null,
        membersOnly: flag(change.membersOnly),
        uniqueChat: flag(change.uniqueChat),
        delayS: change.delayS ?? null,
        blockedTerms: change.blockedTerms === undefined ? null : JSON.stringify(change.blockedTerms),
        moderators: moderators === undefined ? null : JSON.stringify(moderators),
      });
      return read(streamId);
    },
    async get(streamId) {
      return read(streamId);
    },
    async close() {},
  };
}
