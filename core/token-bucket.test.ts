import assert from "node:assert/strict";
import { test } from "vitest";
import { isBucketFull, takeToken } from "./token-bucket.js";

const rule = { ratePerSec: 1, burst: 10 };

test("should allow the burst, then refuse with the time until the next token", () => {
  let state;
  for (let i = 0; i < 10; i++) {
    const taken = takeToken(state, rule, 1000);
    assert.equal(taken.allowed, true, `token ${i}`);
    state = taken.state;
  }
  const refused = takeToken(state, rule, 1000);
  assert.equal(refused.allowed, false);
  assert.equal(refused.retryAfterMs, 1000);
  const halfway = takeToken(refused.state, rule, 1400);
  assert.equal(halfway.allowed, false);
  assert.equal(halfway.retryAfterMs, 600);
  assert.equal(takeToken(halfway.state, rule, 2000).allowed, true);
});

test("should refill up to the burst and no further", () => {
  const empty = { tokens: 0, updatedAt: 0 };
  assert.equal(isBucketFull(empty, rule, 9_999), false);
  assert.equal(isBucketFull(empty, rule, 10_000), true);
  let state = empty;
  let allowed = 0;
  for (let i = 0; i < 20; i++) {
    const taken = takeToken(state, rule, 1_000_000);
    if (taken.allowed) allowed++;
    state = taken.state;
  }
  assert.equal(allowed, 10);
});
