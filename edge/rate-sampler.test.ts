import assert from "node:assert/strict";
import { test } from "vitest";
import { testComment } from "../core/comment-fixtures.js";
import { RateSampler } from "./rate-sampler.js";

const batch = (from: number, count: number) => Array.from({ length: count }, (_, i) => testComment(from + i));

test("should pass everything while under the rate", () => {
  let now = 0;
  const sampler = new RateSampler(10, () => now);
  for (let i = 0; i < 5; i++) {
    now += 500;
    const sample = sampler.sample(batch(i * 2 + 1, 2));
    assert.equal(sample.kept.length, 2);
    assert.equal(sample.omitted.length, 0);
  }
});

test("should keep the rate over time on a hot stream, spreading what it keeps", () => {
  let now = 0;
  const sampler = new RateSampler(10, () => now);
  let kept = 0;
  let omitted = 0;
  for (let i = 0; i < 100; i++) {
    now += 100; // ten batches a second, 50 comments each: 500/s against a cap of 10/s
    const sample = sampler.sample(batch(i * 50 + 1, 50));
    kept += sample.kept.length;
    omitted += sample.omitted.length;
    const seqs = sample.kept.map((c) => c.seq - i * 50);
    const gap = Math.floor(50 / seqs.length);
    assert.ok(
      seqs.every((seq, j) => j === 0 || seq - seqs[j - 1]! >= gap),
      `spread out: ${seqs}`,
    );
  }
  assert.ok(kept >= 100 && kept <= 111, `kept ${kept} over 10 s at 10/s`);
  assert.equal(kept + omitted, 5000, "every comment is kept or told as left out");
});

test("should tell at once what a batch that kept nothing left out", () => {
  let now = 0;
  const sampler = new RateSampler(1, () => now);
  assert.equal(sampler.sample(batch(1, 1)).kept.length, 1); // the burst of one
  now += 100;
  const nothingKept = sampler.sample(batch(2, 3));
  assert.deepEqual(nothingKept.kept, []);
  assert.deepEqual(
    nothingKept.omitted.map((c) => c.seq),
    [2, 3, 4],
  );
  now += 1000;
  const sample = sampler.sample(batch(5, 2));
  assert.equal(sample.kept.length, 1);
  assert.equal(sample.omitted.length, 1);
});
