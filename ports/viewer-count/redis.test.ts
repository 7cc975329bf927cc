import { Redis } from "ioredis";
import { engineAddress } from "../../harness/engines.js";
import { viewerCountsContract } from "./contract.js";
import { createRedisViewerCounts } from "./redis.js";

viewerCountsContract("redis viewer counts", async () => {
  const redis = new Redis(engineAddress("LC_REDIS_URL"));
  return { ...createRedisViewerCounts(redis), close: async () => void redis.disconnect() };
});
