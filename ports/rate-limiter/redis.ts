import type { Redis } from "ioredis";
import type { RateLimiter } from "./index.js";

/**
 * The token bucket of core/token-bucket.ts over several buckets as one atomic script, on
 * Redis's clock so that every ingest process agrees on time: KEYS are the buckets, ARGV their
 * rate and burst in pairs. Tokens are taken only when every bucket has one; a bucket expires
 * once it would be full again.
 */
const TAKE_TOKENS_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local tokens = {}
local retry = 0
for i, key in ipairs(KEYS) do
  local rate = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local state = redis.call('HMGET', key, 'tokens', 'ts')
  local left = tonumber(state[1])
  local updated = tonumber(state[2])
  if left == nil or updated == nil then
    left = burst
    updated = now
  end
  left = math.min(burst, left + math.max(0, now - updated) * rate / 1000)
  if left < 1 then
    retry = math.max(retry, math.ceil((1 - left) * 1000 / rate))
  end
  tokens[i] = left
end
if retry > 0 then
  return {0, retry}
end
for i, key in ipairs(KEYS) do
  local rate = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local left = tokens[i] - 1
  redis.call('HSET', key, 'tokens', tostring(left), 'ts', tostring(now))
  redis.call('PEXPIRE', key, math.ceil((burst - left) * 1000 / rate) + 1000)
end
return {1, 0}
`;

/** The script as a command of the connection: ioredis sends EVALSHA, the script's text once. */
interface TakeTokensCommand {
  lcTakeTokens(keyCount: number, ...keysThenRules: (string | number)[]): Promise<[number, number]>;
}

/** Rate limits shared by every ingest process through one Redis; keys are `<keyPrefix>rl:<key>`. */
export function createRedisRateLimiter(redis: Redis, keyPrefix = "lc:"): RateLimiter {
  if (!("lcTakeTokens" in redis)) redis.defineCommand("lcTakeTokens", { lua: TAKE_TOKENS_SCRIPT });
  const commands = redis as Redis & TakeTokensCommand;
  return {
    async take(claims) {
      if (claims.length === 0) return { allowed: true };
      const keys = claims.map(({ key }) => `${keyPrefix}rl:${key}`);
      const rules = claims.flatMap(({ rule }) => [rule.ratePerSec, rule.burst]);
      const [allowed, retryAfterMs] = await commands.lcTakeTokens(claims.length, ...keys, ...rules);
      return allowed === 1 ? { allowed: true } : { allowed: false, retryAfterMs };
    },
    async close() {},
  };
}
