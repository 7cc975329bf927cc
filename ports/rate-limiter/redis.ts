import type { Redis } from "ioredis";
import type { TokenBucketRule } from "../../core/token-bucket.js";
import type { RateLimiter } from "./index.js";


/**
 * The token bucket of core/token-bucket.ts as one atomic script, on Redis's clock so that
 * every ingest process agrees on time. The bucket expires once it would be full again.
 */
const TAKE_TOKEN_SCRIPT = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local updated = tonumber(state[2])
if tokens == nil or updated == nil then
  tokens = burst
  updated = now
end
tokens = math.min(burst, tokens + math.max(0, now - updated) * rate / 1000)
local allowed = 0
local retry = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  retry = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) * 1000 / rate) + 1000)
return {allowed, retry}
`;

/** The script as a command of the connection: ioredis sends EVALSHA, the script's text once. */
interface TakeTokenCommand {
  lcTakeToken(key: string, ratePerSec: number, burst: number): Promise<[number, number]>;
}

/** Rate limits shared by every ingest process through one Redis; keys are `<keyPrefix>rl:<key>`. */
export function createRedisRateLimiter(redis: Redis, keyPrefix = "lc:"): RateLimiter {
  if (!("lcTakeToken" in redis)) redis.defineCommand("lcTakeToken", { numberOfKeys: 1, lua: TAKE_TOKEN_SCRIPT });
  const commands = redis as Redis & TakeTokenCommand;
  return {
    async take(key: string, rule: TokenBucketRule) {
      const [allowed, retryAfterMs] = await commands.lcTakeToken(`${keyPrefix}rl:${key}`, rule.ratePerSec, rule.burst);
      return allowed === 1 ? { allowed: true } : { allowed: false, retryAfterMs };
    },
    async close() {},
  };
}
