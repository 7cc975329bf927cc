import assert from "node:assert/strict";
import { test } from "vitest";
import { TurnBatch } from "./turn-batch.js";

test("should hand the calls of one turn over together, at most maxBatch at a time, each getting its own result", async () => {
  const runs: number[][] = [];
  const batch = new TurnBatch<number, number>(async (items) => {
    runs.push([...items]);
    return items.map((n) => n * 10);
  }, 3);
  const first = await Promise.all([1, 2, 3, 4, 5].map((n) => batch.add(n)));
  assert.deepEqual(first, [10, 20, 30, 40, 50]);
  assert.deepEqual(runs, [
    [1, 2, 3],
    [4, 5],
  ]);
  assert.equal(await batch.add(6), 60, "a later turn is a new batch");
  assert.deepEqual(runs.at(-1), [6]);
});

test("should reject every call of a batch whose run fails or answers the wrong number of results", async () => {
  const failing = new TurnBatch<number, number>(async () => Promise.reject(new Error("store down")), 10);
  const outcomes = await Promise.allSettled([failing.add(1), failing.add(2)]);
  assert.deepEqual(
    outcomes.map((o) => o.status),
    ["rejected", "rejected"],
  );
  const short = new TurnBatch<number, number>(async () => [1], 10);
  await assert.rejects(Promise.all([short.add(1), short.add(2)]), /a batch of 2 got 1 results/);
});
