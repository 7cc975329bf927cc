import { Redis } from "ioredis";
import { engineAddress } from "../../harness/engines.js";
import { idempotencyStoreContract } from "./contract.js";
import { createRedisIdempotencyStore } from "./redis.js";

idempotencyStoreContract("redis idempotency store", async () => {
  const redis = new Redis(engineAddress("LC_REDIS_URL"));
  return { ...createRedisIdempotencyStore(redis), close: async () => void redis.disconnect() };
});
