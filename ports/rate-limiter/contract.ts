import assert from "node:assert/strict";
import { test } from "vitest";
import type { RateLimiter } from "./index.js";

/**
 * The guarantees of {@link RateLimiter}, run against one adapter. `shared` says whether two
 * instances share their buckets (as every ingest process does through Redis).
 */
export function rateLimiterContract(name: string, open: () => Promise<RateLimiter>, { shared }: { shared: boolean }): void {
  const key = () => `k-${Math.random().toString(36).slice(2)}`;

  test(`${name}: should allow the burst, then refuse with a retry time within the refill interval`, async () => {
    const limiter = await open();
    try {
      const k = key();
      const rule = { ratePerSec: 1, burst: 5 };
      for (let i = 0; i < 5; i++) assert.deepEqual(await limiter.take([{ key: k, rule }]), { allowed: true }, `token ${i}`);
      const refused = await limiter.take([{ key: k, rule }]);
      assert.equal(refused.allowed, false);
      assert.ok(!refused.allowed && refused.retryAfterMs > 0 && refused.retryAfterMs <= 1000, JSON.stringify(refused));
      assert.deepEqual(await limiter.take([{ key: key(), rule }]), { allowed: true }, "another key has its own bucket");
    } finally {
      await limiter.close();
    }
  });

  test(`${name}: should give out exactly the burst to concurrent callers`, async () => {
    const limiters = [await open(), await open()];
    try {
      const k = key();
      const rule = { ratePerSec: 0.001, burst: 20 };
      const decisions = await Promise.all(Array.from({ length: 60 }, (_, i) => limiters[i % 2]!.take([{ key: k, rule }])));
      const allowed = decisions.filter((d) => d.allowed).length;
      assert.equal(allowed, shared ? 20 : 40);
    } finally {
      await Promise.all(limiters.map((l) => l.close()));
    }
  });

  test(`${name}: should answer each of many concurrent checks on its own buckets`, async () => {
    const limiter = await open();
    try {
      const [spent, fresh, other] = [key(), key(), key()];
      const rule = { ratePerSec: 0.001, burst: 1 };
      assert.deepEqual(await limiter.take([{ key: spent, rule }]), { allowed: true });
      const decisions = await Promise.all([
        limiter.take([{ key: spent, rule }]),
        limiter.take([{ key: fresh, rule }]),
        limiter.take([
          { key: other, rule },
          { key: spent, rule },
        ]),
      ]);
      assert.deepEqual(
        decisions.map((d) => d.allowed),
        [false, true, false],
      );
      assert.deepEqual(await limiter.take([{ key: other, rule }]), { allowed: true }, "the refused check took nothing from its other bucket");
    } finally {
      await limiter.close();
    }
  });

  test(`${name}: should refill with time`, async () => {
    const limiter = await open();
    try {
      const k = key();
      const rule = { ratePerSec: 50, burst: 1 };
      assert.equal((await limiter.take([{ key: k, rule }])).allowed, true);
      assert.equal((await limiter.take([{ key: k, rule }])).allowed, false);
      await new Promise((resolve) => setTimeout(resolve, 60));
      assert.equal((await limiter.take([{ key: k, rule }])).allowed, true);
    } finally {
      await limiter.close();
    }
  });

  test(`${name}: should take from every bucket or from none`, async () => {
    const limiter = await open();
    try {
      const [user, stream] = [key(), key()];
      const roomy = { ratePerSec: 0.001, burst: 5 };
      const tight = { ratePerSec: 0.5, burst: 1 };
      assert.deepEqual(
        await limiter.take([
          { key: user, rule: roomy },
          { key: stream, rule: tight },
        ]),
        { allowed: true },
      );
      const refused = await limiter.take([
        { key: user, rule: roomy },
        { key: stream, rule: tight },
      ]);
      assert.ok(!refused.allowed && refused.retryAfterMs > 1000 && refused.retryAfterMs <= 2000, JSON.stringify(refused));
      // The refusal took nothing from the roomy bucket: four of its five tokens are left.
      for (let i = 0; i < 4; i++) assert.deepEqual(await limiter.take([{ key: user, rule: roomy }]), { allowed: true }, `token ${i}`);
      assert.equal((await limiter.take([{ key: user, rule: roomy }])).allowed, false);
      assert.deepEqual(await limiter.take([]), { allowed: true }, "no bucket, no limit");
    } finally {
      await limiter.close();
    }
  });
}
