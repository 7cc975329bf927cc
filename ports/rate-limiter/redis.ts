import type { Redis } from "ioredis";
import { TurnBatch } from "../../core/turn-batch.js";
import type { BucketClaim, RateDecision, RateLimiter } from "./index.js";

/** Most requests checked by one script run: bounds how long Redis is busy with one call. */
const MAX_REQUESTS_PER_RUN = 256;

/**
 * The token bucket of core/token-bucket.ts as one atomic script over the checks of many
 * requests, on Redis's clock so that every ingest process agrees on time. ARGV[1] is the number
 * of requests; then, per request, its bucket count followed by each bucket's rate and burst;
 * KEYS are the buckets of all requests in order. A request takes a token from each of its
 * buckets only when every one of them has one; requests run in order, so two of one batch
 * claiming the same bucket see each other's take. A bucket expires once it would be full
 * again. Answers a pair per request: 1 and 0 when taken, 0 and the retry time in ms otherwise.
 */
const TAKE_TOKENS_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local answers = {}
local k = 0
local a = 2
for r = 1, tonumber(ARGV[1]) do
  local count = tonumber(ARGV[a])
  a = a + 1
  local tokens = {}
  local retry = 0
  for i = 1, count do
    local rate = tonumber(ARGV[a + 2 * i - 2])
    local burst = tonumber(ARGV[a + 2 * i - 1])
    local state = redis.call('HMGET', KEYS[k + i], 'tokens', 'ts')
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
  if retry == 0 then
    for i = 1, count do
      local rate = tonumber(ARGV[a + 2 * i - 2])
      local burst = tonumber(ARGV[a + 2 * i - 1])
      local left = tokens[i] - 1
      redis.call('HSET', KEYS[k + i], 'tokens', tostring(left), 'ts', tostring(now))
      redis.call('PEXPIRE', KEYS[k + i], math.ceil((burst - left) * 1000 / rate) + 1000)
    end
    answers[2 * r - 1] = 1
  else
    answers[2 * r - 1] = 0
  end
  answers[2 * r] = retry
  k = k + count
  a = a + 2 * count
end
return answers
`;

/** The script as a command of the connection: ioredis sends EVALSHA, the script's text once. */
interface TakeTokensCommand {
  lcTakeTokensBatch(keyCount: number, ...keysThenArgs: (string | number)[]): Promise<number[]>;
}

/**
 * Rate limits shared by every ingest process through one Redis; keys are `<keyPrefix>rl:<key>`.
 * The checks of one event-loop turn go to Redis as one script run.
 */
export function createRedisRateLimiter(redis: Redis, keyPrefix = "lc:"): RateLimiter {
  if (!("lcTakeTokensBatch" in redis)) redis.defineCommand("lcTakeTokensBatch", { lua: TAKE_TOKENS_SCRIPT });
  const commands = redis as Redis & TakeTokensCommand;
  const batch = new TurnBatch<readonly BucketClaim[], RateDecision>(async (requests) => {
    const keys: string[] = [];
    const args: number[] = [requests.length];
    for (const claims of requests) {
      args.push(claims.length);
      for (const { key, rule } of claims) {
        keys.push(`${keyPrefix}rl:${key}`);
        args.push(rule.ratePerSec, rule.burst);
      }
    }
    const answers = await commands.lcTakeTokensBatch(keys.length, ...keys, ...args);
    return requests.map((_, r) => (answers[2 * r] === 1 ? { allowed: true } : { allowed: false, retryAfterMs: answers[2 * r + 1]! }));
  }, MAX_REQUESTS_PER_RUN);
  return {
    async take(claims) {
      if (claims.length === 0) return { allowed: true };
      return batch.add(claims);
    },
    async close() {},
  };
}
