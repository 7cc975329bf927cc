import assert from "node:assert/strict";
import { test } from "node:test";
import { createMemoryRateLimiter } from "./memory.js";

test("should refuse past the burst with a retry time, then allow after refill", async () => {
  let now = 0;
  const limiter = createMemoryRateLimiter({ clock: { now: () => now } });
  const rule = { ratePerSec: 2, burst: 3 };
  for (let i = 0; i < 3; i++) assert.deepEqual(await limiter.take("k", rule), { allowed: true });
  assert.deepEqual(await limiter.take("k", rule), { allowed: false, retryAfterMs: 500 });
  assert.deepEqual(await limiter.take("other", rule), { allowed: true }, "keys are independent");
  now = 500;
  assert.deepEqual(await limiter.take("k", rule), { allowed: true });
});

test("should stay within its bucket bound", async () => {
  const limiter = createMemoryRateLimiter({ clock: { now: () => 0 }, maxBuckets: 100 });
  const rule = { ratePerSec: 1, burst: 1 };
  for (let i = 0; i < 1000; i++) await limiter.take(`k${i}`, rule);
  // The most recent key is still limited: the bound dropped old buckets, not new ones.
  assert.equal((await limiter.take("k999", rule)).allowed, false);
});
