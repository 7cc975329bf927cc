import { Redis } from "ioredis";
import { engineAddress } from "../../harness/engines.js";
import { rateLimiterContract } from "./contract.js";
import { createRedisRateLimiter } from "./redis.js";

rateLimiterContract(
  "redis rate limiter",
  async () => {
    const redis = new Redis(engineAddress("LC_REDIS_URL"));
    const limiter = createRedisRateLimiter(redis);
    return { ...limiter, close: async () => void redis.disconnect() };
  },
  { shared: true },
);
