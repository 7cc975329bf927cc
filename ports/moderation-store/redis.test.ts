import { Redis } from "ioredis";
import { engineAddress } from "../../harness/engines.js";
import { moderationStoreContract } from "./contract.js";
import { createRedisModerationStore } from "./redis.js";

moderationStoreContract("redis moderation store", async () => {
  const prefix = `lc-test-${Math.random().toString(36).slice(2, 8)}:`;
  return {
    async open() {
      const redis = new Redis(engineAddress("LC_REDIS_URL"));
      const store = createRedisModerationStore(redis, prefix);
      return { ...store, close: async () => void redis.disconnect() };
    },
    async dispose() {},
  };
});
