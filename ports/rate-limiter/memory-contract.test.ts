import { rateLimiterContract } from "./contract.js";
import { createMemoryRateLimiter } from "./memory.js";

rateLimiterContract("memory rate limiter", async () => createMemoryRateLimiter(), { shared: false });
