import assert from "node:assert/strict";
import { test } from "node:test";
import { createMemoryIdempotencyStore } from "./memory.js";

test("should reserve once, report pending, then return the stored answer until it expires", async () => {
  let now = 0;
  const store = createMemoryIdempotencyStore({ clock: { now: () => now } });
  assert.deepEqual(await store.reserve("k", 1000), { status: "reserved" });
  assert.deepEqual(await store.reserve("k", 1000), { status: "pending" });
  await store.complete("k", "answer", 1000);
  assert.deepEqual(await store.reserve("k", 1000), { status: "done", value: "answer" });
  now = 1001;
  assert.deepEqual(await store.reserve("k", 1000), { status: "reserved" });
});

test("should free a released key", async () => {
  const store = createMemoryIdempotencyStore();
  await store.reserve("k", 1000);
  await store.release("k");
  assert.deepEqual(await store.reserve("k", 1000), { status: "reserved" });
});
