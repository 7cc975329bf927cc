import assert from "node:assert/strict";
import { test } from "vitest";
import { makeRoom } from "./bounded-map.js";

test("should forget disposable entries first and leave newer ones alone", () => {
  const map = new Map<number, boolean>([
    [1, false],
    [2, true],
    [3, false],
    [4, true],
  ]);
  makeRoom(map, 4, (disposable) => disposable);
  assert.deepEqual([...map.keys()], [1, 3]);
});

test("should drop the oldest entries down to 90% when nothing is disposable", () => {
  const map = new Map(Array.from({ length: 100 }, (_, i) => [i, i] as const));
  makeRoom(map, 100, () => false);
  assert.equal(map.size, 90);
  assert.equal(map.has(9), false);
  assert.equal(map.has(10), true);
});

test("should do nothing below the limit", () => {
  const map = new Map([[1, 1]]);
  makeRoom(map, 2, () => true);
  assert.equal(map.size, 1);
});
