import type { Redis } from "ioredis";
import { TurnBatch } from "../../core/turn-batch.js";
import type { ModerationStore, PosterAdmission } from "./index.js";

/** How long a deletion's first answer is kept for repeats. */
const DELETION_TTL_MS = 30 * 24 * 3_600_000;

/** Most posts checked by one script run: bounds how long Redis is busy with one call. */
const MAX_POSTS_PER_RUN = 256;

/**
 * The checks of many posts as one atomic script: per post, KEYS its ban and its slow-mode slot,
 * ARGV the slot's length in ms. A ban is a key that expires with the ban (none for a permanent
 * one); the slot is a key set only when absent, expiring when the poster may post again. Posts
 * run in order, so two of one user in one batch see each other's slot. Answers a pair per post:
 * 0 admitted, 1 and the ban's end, or 2 and the wait in ms.
 */
const ADMIT_POSTERS_SCRIPT = `
local answers = {}
for p = 1, #ARGV do
  local ends = redis.call('GET', KEYS[2 * p - 1])
  local ms = tonumber(ARGV[p])
  if ends then
    answers[2 * p - 1] = 1
    answers[2 * p] = tonumber(ends)
  elseif ms > 0 and not redis.call('SET', KEYS[2 * p], '1', 'PX', ms, 'NX') then
    answers[2 * p - 1] = 2
    answers[2 * p] = math.max(1, redis.call('PTTL', KEYS[2 * p]))
  else
    answers[2 * p - 1] = 0
    answers[2 * p] = 0
  end
end
return answers
`;

interface AdmitPostersCommand {
  lcAdmitPosters(keyCount: number, ...keysThenSlowModeMs: (string | number)[]): Promise<number[]>;
}

/**
 * Moderation state shared by every ingest process through Redis: keys `<prefix>ban:<stream>:<user>`
 * (value: the ban's end, -1 for permanent), `<prefix>slow:<stream>:<user>` and the hash
 * `<prefix>deleted:<stream>`. The posts of one event-loop turn are checked in one script run.
 */
export function createRedisModerationStore(redis: Redis, keyPrefix = "lc:"): ModerationStore {
  if (!("lcAdmitPosters" in redis)) redis.defineCommand("lcAdmitPosters", { lua: ADMIT_POSTERS_SCRIPT });
  const commands = redis as Redis & AdmitPostersCommand;
  const banKey = (streamId: string, userId: string) => `${keyPrefix}ban:${streamId}:${userId}`;
  const admissions = new TurnBatch<{ streamId: string; userId: string; slowModeMs: number }, PosterAdmission>(async (posts) => {
    const keys = posts.flatMap(({ streamId, userId }) => [banKey(streamId, userId), `${keyPrefix}slow:${streamId}:${userId}`]);
    const answers = await commands.lcAdmitPosters(keys.length, ...keys, ...posts.map((post) => post.slowModeMs));
    return posts.map((_, p): PosterAdmission => {
      const status = answers[2 * p];
      const value = answers[2 * p + 1]!;
      if (status === 1) return { status: "banned", until: value < 0 ? null : value };
      if (status === 2) return { status: "slow_mode", retryAfterMs: value };
      return { status: "admitted" };
    });
  }, MAX_POSTS_PER_RUN);
  const deletedKey = (streamId: string) => `${keyPrefix}deleted:${streamId}`;
  return {
    async ban(streamId, userId, ban) {
      if (ban.until === null) await redis.set(banKey(streamId, userId), "-1");
      else await redis.set(banKey(streamId, userId), String(ban.until), "PXAT", ban.until);
    },
    async unban(streamId, userId) {
      await redis.del(banKey(streamId, userId));
    },
    admitPoster: (streamId, userId, slowModeMs) => admissions.add({ streamId, userId, slowModeMs }),
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
