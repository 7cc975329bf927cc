import type { Clock } from "../../core/clock.js";
import { systemClock } from "../../core/clock.js";
import { makeRoom } from "../../core/bounded-map.js";
import type { CommentRecord } from "../../core/comment.js";
import { UNIQUE_CHAT_WINDOW_MS } from "../../core/stream.js";
import type { SqliteDatabase } from "../sqlite/open-database.js";
import type { HeldEntry, ModerationStore } from "./index.js";

/** Posters whose slow-mode slot one process remembers; past it the slots already free go first. */
const MAX_SLOW_MODE_SLOTS = 200_000;
/** Texts unique chat remembers in one process; past it the ones out of the window go first. */
const MAX_UNIQUE_TEXTS = 200_000;

interface HeldRow {
  record: string;
  reason: string;
  held_at: number;
  state: string;
}

const entryOf = (row: HeldRow): HeldEntry => ({ record: JSON.parse(row.record) as CommentRecord, reason: row.reason, heldAt: row.held_at });

/**
 * The embedded moderation store: bans, deletions and held comments in the SQLite file (they
 * survive a restart; reading a ban by key costs no fsync), slow-mode slots and unique chat's
 * texts in memory, since the one process is the only poster's gate (a restart frees them early,
 * no more).
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
    CREATE TABLE IF NOT EXISTS moderation_held (
      stream_id TEXT NOT NULL, comment_id TEXT NOT NULL, held_at INTEGER NOT NULL, state TEXT NOT NULL,
      reason TEXT NOT NULL, record TEXT NOT NULL,
      PRIMARY KEY (stream_id, comment_id)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS moderation_held_by_time ON moderation_held (stream_id, held_at);
    CREATE INDEX IF NOT EXISTS moderation_held_by_state ON moderation_held (state, held_at);
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
  const putHeld = db.prepare<[string, string, number, string, string]>(
    "INSERT OR IGNORE INTO moderation_held (stream_id, comment_id, held_at, state, reason, record) VALUES (?, ?, ?, 'held', ?, ?)",
  );
  const listHeld = db.prepare<[string, number, number], HeldRow>(
    "SELECT record, reason, held_at, state FROM moderation_held WHERE stream_id = ? AND held_at >= ? AND state = 'held' ORDER BY held_at, comment_id LIMIT ?",
  );
  const readHeld = db.prepare<[string, string], HeldRow>("SELECT record, reason, held_at, state FROM moderation_held WHERE stream_id = ? AND comment_id = ?");
  const setHeldState = db.prepare<[string, string, string]>("UPDATE moderation_held SET state = ? WHERE stream_id = ? AND comment_id = ?");
  const dropHeld = db.prepare<[string, string]>("DELETE FROM moderation_held WHERE stream_id = ? AND comment_id = ?");
  const expiredHeld = db.prepare<[number, number], HeldRow>(
    "SELECT record, reason, held_at, state FROM moderation_held WHERE state = 'held' AND held_at < ? ORDER BY held_at LIMIT ?",
  );
  /** When each poster may post again, by stream and user. */
  const slots = new Map<string, number>();
  /** Until when each accepted text is remembered, by stream and text. */
  const texts = new Map<string, number>();

  return {
    async ban(streamId, userId, ban) {
      putBan.run(streamId, userId, ban.until, ban.reason);
    },
    async unban(streamId, userId) {
      dropBan.run(streamId, userId);
    },
    async admitPoster(streamId, userId, slowModeMs, uniqueText) {
      const now = clock.now();
      const ban = readBan.get(streamId, userId);
      if (ban && (ban.until === null || ban.until > now)) return { status: "banned", until: ban.until };
      const textKey = uniqueText === undefined ? undefined : `${streamId}\u0000${uniqueText}`;
      if (textKey !== undefined && (texts.get(textKey) ?? 0) > now) return { status: "duplicate_text" };
      if (slowModeMs > 0) {
        const key = `${streamId}\u0000${userId}`;
        const freeAt = slots.get(key);
        if (freeAt !== undefined && freeAt > now) return { status: "slow_mode", retryAfterMs: freeAt - now };
        if (!slots.delete(key)) makeRoom(slots, MAX_SLOW_MODE_SLOTS, (at) => at <= now);
        slots.set(key, now + slowModeMs);
      }
      if (textKey !== undefined) {
        if (!texts.delete(textKey)) makeRoom(texts, MAX_UNIQUE_TEXTS, (until) => until <= now);
        texts.set(textKey, now + UNIQUE_CHAT_WINDOW_MS);
      }
      return { status: "admitted" };
    },
    async releaseText(streamId, uniqueText) {
      texts.delete(`${streamId}\u0000${uniqueText}`);
    },
    async markDeleted(streamId, commentId, deletedAt) {
      putDeletion.run(streamId, commentId, deletedAt);
      return readDeletion.get(streamId, commentId)!.deleted_at;
    },
    async deletedAt(streamId, commentId) {
      return readDeletion.get(streamId, commentId)?.deleted_at;
    },
    async hold({ record, reason, heldAt }) {
      putHeld.run(record.streamId, record.commentId, heldAt, reason, JSON.stringify(record));
    },
    async listHeld(streamId, heldSince, limit) {
      return listHeld.all(streamId, heldSince, limit).map(entryOf);
    },
    async claimHeld(streamId, commentId, outcome, heldSince) {
      const row = readHeld.get(streamId, commentId);
      if (!row) return undefined;
      if (row.state === outcome) return entryOf(row);
      if (row.state !== "held" || (outcome === "expired") !== row.held_at < heldSince) return undefined;
      setHeldState.run(outcome, streamId, commentId);
      return entryOf(row);
    },
    async forgetHeld(streamId, commentId) {
      dropHeld.run(streamId, commentId);
    },
    async expiredHeld(heldBefore, limit) {
      return expiredHeld.all(heldBefore, limit).map(entryOf);
    },
    async close() {},
  };
}
