import type { Redis } from "ioredis";
import type { IdempotencyStore } from "./index.js";

/** The value of a key whose request is still running. */
const PENDING = "\u0000pending";

const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * Idempotency keys shared by every ingest process through one Redis (SET NX is atomic); keys
 * are `<keyPrefix>idem:<key>`.
 */
export function createRedisIdempotencyStore(redis: Redis, keyPrefix = "lc:"): IdempotencyStore {
  const keyOf = (key: string) => `${keyPrefix}idem:${key}`;
  return {
    async reserve(key, ttlMs) {
      const full = keyOf(key);
      for (let attempt = 0; attempt < 3; attempt++) {
        if ((await redis.set(full, PENDING, "PX", ttlMs, "NX")) === "OK") return { status: "reserved" };
        const value = await redis.get(full);
        if (value === PENDING) return { status: "pending" };
        if (value !== null) return { status: "done", value };
        // Expired between the two calls: try to reserve again.
      }
      return { status: "pending" };
    },
    async complete(key, value, ttlMs) {
      await redis.set(keyOf(key), value, "PX", ttlMs);
    },
    async release(key) {
      await redis.eval(RELEASE_SCRIPT, 1, keyOf(key), PENDING);
    },
    async close() {},
  };
}
