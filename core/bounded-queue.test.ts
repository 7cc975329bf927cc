import assert from "node:assert/strict";
import { test } from "vitest";
import { LcError } from "./errors.js";
import { BoundedQueue } from "./bounded-queue.js";

test("should hand over what was queued in batches, then end", async () => {
  const queue = new BoundedQueue<number>(10);
  queue.push(1);
  queue.push(2);
  const batches = queue.batches();
  assert.deepEqual((await batches.next()).value, [1, 2]);
  const next = batches.next();
  queue.push(3);
  assert.deepEqual((await next).value, [3]);
  queue.end();
  assert.equal((await batches.next()).done, true);
});

test("should refuse past its limit and fail the consumer with slow_consumer", async () => {
  const queue = new BoundedQueue<number>(2);
  assert.equal(queue.push(1), true);
  assert.equal(queue.push(2), true);
  assert.equal(queue.push(3), false);
  assert.equal(queue.push(4), false, "stays failed");
  await assert.rejects(queue.batches().next(), (error: unknown) => error instanceof LcError && error.reason === "slow_consumer");
});
