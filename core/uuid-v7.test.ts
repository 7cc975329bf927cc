import assert from "node:assert/strict";
import { test } from "vitest";
import { createUuidV7 } from "./uuid-v7.js";

test("should encode the clock's milliseconds, version 7 and the RFC variant", () => {
  const ms = 0x0192_3456_789a;
  const id = createUuidV7({ now: () => ms }, (bytes) => bytes.fill(0xff))();
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(parseInt(id.replace(/-/g, "").slice(0, 12), 16), ms);
});

test("should keep ids increasing within one millisecond and when the clock steps back", () => {
  let now = 1_700_000_000_000;
  const next = createUuidV7({ now: () => now });
  const ids: string[] = [];
  for (let i = 0; i < 5000; i++) {
    if (i === 2500) now -= 10;
    ids.push(next());
  }
  const sorted = [...ids].sort();
  assert.deepEqual(ids, sorted);
  assert.equal(new Set(ids).size, ids.length);
});
