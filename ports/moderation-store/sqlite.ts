import type { Clock } from "../../core/clock.js";
import { systemClock } from "../../core/clock.js";
import { makeRoom } from "../../core/bounded-map.js";
import type { SqliteDatabase } from "../sqlite/open-database.js";
import type { ModerationStore } from "./index.js";

/** Posters whose slow-mode slot one process remembers; past it the slots already free go first. */
const MAX_SLOW_MODE_SLOTS = 200_000;

/**
 * The embedded moderation store: bans and deletions in the SQLite file (they survive a
 * restart; reading a ban by key costs no fsync), slow-mode slots in memory, since the one
 * process is the only poster's gate (a restart frees them early, no more).
 */
export function createSqliteModerationStore(db: SqliteDatabase, clock: Clock = systemClock): ModerationStore {
  db.exec(`
    CREATE TABLE IF NOT EXISTS moderation_bans (
      stream_id TEXT NOT NULL, user_id TEXT NOT NULL, until INTEGER, reason TEXT NOT NULL,
      PRIMARY KEY (stream_id, user_id)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS moderation_deletions (
      stream_id TEXT NOT NULL, comment_id TEXT NOT NULL, deleted_at INTEGER NOT NULL,
      PRIMARY KEY (stream_id, comment_id)
    ) WITHOUT ROWID;
  `);
  const putBan = db.prepare<[string, string, number | null, string]>(
    "INSERT INTO moderation_bans (stream_id, user_id, until, reason) VALUES (?, ?, ?, ?) ON CONFLICT (stream_id, user_id) DO UPDATE SET until = excluded.until, reason = excluded.reason",
  );
  const dropBan = db.prepare<[string, string]>("DELETE FROM moderation_bans WHERE stream_id = ? AND user_id = ?");
  const readBan = db.prepare<[string, string], { until: number | null }>("SELECT until FROM moderation_bans WHERE stream_id = ? AND user_id = ?");
  const putDeletion = db.prepare<[string, string, number]>("INSERT OR IGNORE INTO moderation_deletions (stream_id, comment_id, deleted_at) VALUES (?, ?, ?)");
  const readDeletion = db.prepare<[string, string], { deleted_at: number }>(
    "SELECT deleted_at FROM moderation_deletions WHERE stream_id = ? AND comment_id = ?",
  );
  /** When each poster may post again, by stream and user. */
  const slots = new Map<string, number>();

  return {
    async ban(streamId, userId, ban) {
      putBan.run(streamId, userId, ban.until, ban.reason);
    },
    async unban(streamId, userId) {
      dropBan.run(streamId, userId);
    },
    async admitPoster(streamId, userId, slowModeMs) {
      const now = clock.now();
      const ban = readBan.get(streamId, userId);
      if (ban && (ban.until === null || ban.until > now)) return { status: "banned", until: ban.until };
      if (slowModeMs <= 0) return { status: "admitted" };
      const key = `${streamId}\u0000${userId}`;
      const freeAt = slots.get(key);
      if (freeAt !== undefined && freeAt > now) return { status: "slow_mode", retryAfterMs: freeAt - now };
      if (!slots.delete(key)) makeRoom(slots, MAX_SLOW_MODE_SLOTS, (at) => at <= now);
      slots.set(key, now + slowModeMs);
      return { status: "admitted" };
    },
    async markDeleted(streamId, commentId, deletedAt) {
      putDeletion.run(streamId, commentId, deletedAt);
      return readDeletion.get(streamId, commentId)!.deleted_at;
    },
    async deletedAt(streamId, commentId) {
      return readDeletion.get(streamId, commentId)?.deleted_at;
    },
    async close() {},
  };
}
