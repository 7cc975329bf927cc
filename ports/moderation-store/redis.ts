import type { Redis } from "ioredis";
import { TurnBatch } from "../../core/turn-batch.js";
import { createHash } from "node:crypto";
import { UNIQUE_CHAT_WINDOW_MS } from "../../core/stream.js";
import type { HeldEntry, ModerationStore, PosterAdmission } from "./index.js";

/** Rejects with the first failed command of a transaction, or when it was discarded. */
function throwFirstError(results: [Error | null, unknown][] | null): void {
  if (!results) throw new Error("the transaction was discarded");
  for (const [error] of results) if (error) throw error;
}

/** How long a deletion's first answer is kept for repeats. */
const DELETION_TTL_MS = 30 * 24 * 3_600_000;

/** Most posts checked by one script run: bounds how long Redis is busy with one call. */
const MAX_POSTS_PER_RUN = 256;

/**
 * The checks of many posts as one atomic script: per post, KEYS its ban, its slow-mode slot and
 * its text's unique-chat key, ARGV the slot's length in ms and whether the text is checked
 * (1 or 0). A ban is a key that expires with the ban (none for a permanent one); the slot is a
 * key set only when absent, expiring when the poster may post again; the text's key lives for
 * the unique-chat window (the last ARGV). Posts run in order, so two of one user in one batch
 * see each other's slot. Answers a pair per post: 0 admitted, 1 and the ban's end, 2 and the
 * wait in ms, or 3 (the same text was accepted within the window).
 */
const ADMIT_POSTERS_SCRIPT = `
local answers = {}
local window = tonumber(ARGV[#ARGV])
for p = 1, (#ARGV - 1) / 2 do
  local ends = redis.call('GET', KEYS[3 * p - 2])
  local ms = tonumber(ARGV[2 * p - 1])
  local unique = ARGV[2 * p] == '1'
  if ends then
    answers[2 * p - 1] = 1
    answers[2 * p] = tonumber(ends)
  elseif unique and redis.call('EXISTS', KEYS[3 * p]) == 1 then
    answers[2 * p - 1] = 3
    answers[2 * p] = 0
  elseif ms > 0 and not redis.call('SET', KEYS[3 * p - 1], '1', 'PX', ms, 'NX') then
    answers[2 * p - 1] = 2
    answers[2 * p] = math.max(1, redis.call('PTTL', KEYS[3 * p - 1]))
  else
    if unique then redis.call('SET', KEYS[3 * p], '1', 'PX', window) end
    answers[2 * p - 1] = 0
    answers[2 * p] = 0
  end
end
return answers
`;

/**
 * Claims a held comment, atomically: KEYS the stream's held hash and its order; ARGV the comment
 * id, the outcome, and the time before which an unresolved one has expired. Answers the body,
 * or false when it is gone or resolved otherwise.
 */
const CLAIM_HELD_SCRIPT = `
local state = redis.call('HGET', KEYS[1], 's:' .. ARGV[1])
if not state then return false end
if state ~= ARGV[2] then
  if state ~= 'held' then return false end
  local heldAt = tonumber(redis.call('ZSCORE', KEYS[2], ARGV[1]))
  local expired = heldAt < tonumber(ARGV[3])
  if expired ~= (ARGV[2] == 'expired') then return false end
  redis.call('HSET', KEYS[1], 's:' .. ARGV[1], ARGV[2])
end
return redis.call('HGET', KEYS[1], 'b:' .. ARGV[1])
`;

interface ModerationCommands {
  lcAdmitPosters(keyCount: number, ...keysThenArgs: (string | number)[]): Promise<number[]>;
  lcClaimHeld(keyCount: number, ...keysThenArgs: (string | number)[]): Promise<string | null>;
}

/** How long an unresolved held comment is kept at most, whatever LC_HELD_TTL_S says: its key's expiry. */
const HELD_KEY_TTL_MS = 8 * 24 * 3_600_000;

/**
 * Moderation state shared by every ingest process through Redis: keys `<prefix>ban:<stream>:<user>`
 * (value: the ban's end, -1 for permanent), `<prefix>slow:<stream>:<user>`,
 * `<prefix>text:<stream>:<sha256 of the text>`, the hash `<prefix>deleted:<stream>`, and for held
 * comments the hash `<prefix>held:<stream>` (fields `b:<id>` the entry, `s:<id>` its state), the
 * sorted set `<prefix>held-order:<stream>` (by held time) and `<prefix>held-all` (every stream's,
 * for expiry). The posts of one event-loop turn are checked in one script run.
 */
export function createRedisModerationStore(redis: Redis, keyPrefix = "lc:"): ModerationStore {
  if (!("lcAdmitPosters" in redis)) redis.defineCommand("lcAdmitPosters", { lua: ADMIT_POSTERS_SCRIPT });
  if (!("lcClaimHeld" in redis)) redis.defineCommand("lcClaimHeld", { lua: CLAIM_HELD_SCRIPT });
  const commands = redis as Redis & ModerationCommands;
  const banKey = (streamId: string, userId: string) => `${keyPrefix}ban:${streamId}:${userId}`;
  const textKey = (streamId: string, text: string) => `${keyPrefix}text:${streamId}:${createHash("sha256").update(text).digest("base64url")}`;
  const heldKey = (streamId: string) => `${keyPrefix}held:${streamId}`;
  const orderKey = (streamId: string) => `${keyPrefix}held-order:${streamId}`;
  const allHeldKey = `${keyPrefix}held-all`;
  const admissions = new TurnBatch<{ streamId: string; userId: string; slowModeMs: number; uniqueText: string | undefined }, PosterAdmission>(async (posts) => {
    const keys = posts.flatMap(({ streamId, userId, uniqueText }) => [
      banKey(streamId, userId),
      `${keyPrefix}slow:${streamId}:${userId}`,
      // A post without unique chat checks no text: its key is a placeholder the script never reads.
      uniqueText === undefined ? `${keyPrefix}text:-` : textKey(streamId, uniqueText),
    ]);
    const args = posts.flatMap((post) => [post.slowModeMs, post.uniqueText === undefined ? 0 : 1]);
    const answers = await commands.lcAdmitPosters(keys.length, ...keys, ...args, UNIQUE_CHAT_WINDOW_MS);
    return posts.map((_, p): PosterAdmission => {
      const status = answers[2 * p];
      const value = answers[2 * p + 1]!;
      if (status === 1) return { status: "banned", until: value < 0 ? null : value };
      if (status === 2) return { status: "slow_mode", retryAfterMs: value };
      if (status === 3) return { status: "duplicate_text" };
      return { status: "admitted" };
    });
  }, MAX_POSTS_PER_RUN);
  const bodiesOf = async (members: readonly (readonly [string, string])[]): Promise<HeldEntry[]> => {
    const pipeline = redis.pipeline();
    for (const [streamId, commentId] of members) pipeline.hmget(heldKey(streamId), `s:${commentId}`, `b:${commentId}`);
    const results = (await pipeline.exec()) ?? [];
    const entries: HeldEntry[] = [];
    for (const [error, value] of results) {
      if (error) throw error;
      const [state, body] = value as [string | null, string | null];
      if (state === "held" && body !== null) entries.push(JSON.parse(body) as HeldEntry);
    }
    return entries;
  };
  const deletedKey = (streamId: string) => `${keyPrefix}deleted:${streamId}`;
  return {
    async ban(streamId, userId, ban) {
      if (ban.until === null) await redis.set(banKey(streamId, userId), "-1");
      else await redis.set(banKey(streamId, userId), String(ban.until), "PXAT", ban.until);
    },
    async unban(streamId, userId) {
      await redis.del(banKey(streamId, userId));
    },
    admitPoster: (streamId, userId, slowModeMs, uniqueText) => admissions.add({ streamId, userId, slowModeMs, uniqueText }),
    async releaseText(streamId, uniqueText) {
      await redis.del(textKey(streamId, uniqueText));
    },
    async hold(entry) {
      const { streamId, commentId } = entry.record;
      await redis
        .multi()
        .hsetnx(heldKey(streamId), `b:${commentId}`, JSON.stringify(entry))
        .hsetnx(heldKey(streamId), `s:${commentId}`, "held")
        .pexpire(heldKey(streamId), HELD_KEY_TTL_MS)
        .zadd(orderKey(streamId), "NX", entry.heldAt, commentId)
        .pexpire(orderKey(streamId), HELD_KEY_TTL_MS)
        .zadd(allHeldKey, "NX", entry.heldAt, `${streamId}\n${commentId}`)
        .exec()
        .then(throwFirstError);
    },
    async listHeld(streamId, heldSince, limit) {
      const ids = await redis.zrangebyscore(orderKey(streamId), heldSince, "+inf", "LIMIT", 0, limit);
      return bodiesOf(ids.map((commentId) => [streamId, commentId] as const));
    },
    async claimHeld(streamId, commentId, outcome, heldSince) {
      const body = await commands.lcClaimHeld(2, heldKey(streamId), orderKey(streamId), commentId, outcome, heldSince);
      return body === null ? undefined : (JSON.parse(body) as HeldEntry);
    },
    async forgetHeld(streamId, commentId) {
      await redis
        .multi()
        .hdel(heldKey(streamId), `b:${commentId}`, `s:${commentId}`)
        .zrem(orderKey(streamId), commentId)
        .zrem(allHeldKey, `${streamId}\n${commentId}`)
        .exec()
        .then(throwFirstError);
    },
    async expiredHeld(heldBefore, limit) {
      const members = await redis.zrangebyscore(allHeldKey, "-inf", `(${heldBefore}`, "LIMIT", 0, limit);
      return bodiesOf(members.map((member) => member.split("\n", 2) as [string, string]));
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
