import type { Redis } from "ioredis";
import type { ModerationStore } from "./index.js";

/** How long a deletion's first answer is kept for repeats. */
const DELETION_TTL_MS = 30 * 24 * 3_600_000;

/**
 * One post's check as one atomic script: KEYS the ban and the slow-mode slot, ARGV the slot's
 * length in ms. A ban is a key that expires with the ban (none for a permanent one); the slot
 * is a key set only when absent, expiring when the poster may post again.
 */
const ADMIT_POSTER_SCRIPT = `
local ends = redis.call('GET', KEYS[1])
if ends then
  return {1, tonumber(ends)}
end
local ms = tonumber(ARGV[1])
if ms > 0 and not redis.call('SET', KEYS[2], '1', 'PX', ms, 'NX') then
  return {2, math.max(1, redis.call('PTTL', KEYS[2]))}
end
return {0, 0}
`;

interface AdmitPosterCommand {
  lcAdmitPoster(keyCount: 2, banKey: string, slotKey: string, slowModeMs: number): Promise<[number, number]>;
}

/**
 * Moderation state shared by every ingest process through Redis: keys `<prefix>ban:<stream>:<user>`
 * (value: the ban's end, -1 for permanent), `<prefix>slow:<stream>:<user>` and the hash
 * `<prefix>deleted:<stream>`. One round trip per post.
 */
export function createRedisModerationStore(redis: Redis, keyPrefix = "lc:"): ModerationStore {
  if (!("lcAdmitPoster" in redis)) redis.defineCommand("lcAdmitPoster", { lua: ADMIT_POSTER_SCRIPT });
  const commands = redis as Redis & AdmitPosterCommand;
  const banKey = (streamId: string, userId: string) => `${keyPrefix}ban:${streamId}:${userId}`;
  const deletedKey = (streamId: string) => `${keyPrefix}deleted:${streamId}`;
  return {
    async ban(streamId, userId, ban) {
      if (ban.until === null) await redis.set(banKey(streamId, userId), "-1");
      else await redis.set(banKey(streamId, userId), String(ban.until), "PXAT", ban.until);
    },
    async unban(streamId, userId) {
      await redis.del(banKey(streamId, userId));
    },
    async admitPoster(streamId, userId, slowModeMs) {
      const [status, value] = await commands.lcAdmitPoster(2, banKey(streamId, userId), `${keyPrefix}slow:${streamId}:${userId}`, slowModeMs);
      if (status === 1) return { status: "banned", until: value < 0 ? null : value };
      if (status === 2) return { status: "slow_mode", retryAfterMs: value };
      return { status: "admitted" };
    },
    async markDeleted(streamId, commentId, deletedAt) {
      const key = deletedKey(streamId);
      const results = await redis.multi().hsetnx(key, commentId, String(deletedAt)).hget(key, commentId).pexpire(key, DELETION_TTL_MS).exec();
      const [error, first] = results?.[1] ?? [new Error("the transaction was discarded"), null];
      if (error) throw error;
      return Number(first);
    },
    async deletedAt(streamId, commentId) {
      const value = await redis.hget(deletedKey(streamId), commentId);
      return value === null ? undefined : Number(value);
    },
    async close() {},
  };
}
