import assert from "node:assert/strict";
import { test } from "vitest";
import type { Stream } from "../../core/stream.js";
import { createCachedStreamRegistry } from "./cached.js";
import type { StreamRegistry } from "./index.js";

/** A registry whose lookups wait until released, counting how many reach it. */
function slowRegistry() {
  const streams = new Map<string, Stream>();
  const waiting: (() => void)[] = [];
  let lookups = 0;
  const registry: StreamRegistry = {
    async create(stream) {
      streams.set(stream.streamId, stream);
      return stream;
    },
    async end(streamId, endedAt) {
      const stream = streams.get(streamId);
      if (!stream) return undefined;
      const ended = { ...stream, endedAt: stream.endedAt ?? endedAt };
      streams.set(streamId, ended);
      return ended;
    },
    async update(streamId, change) {
      const stream = streams.get(streamId);
      if (!stream) return undefined;
      const { pinned, ...rest } = change;
      const updated: Stream = { ...stream, ...rest, ...(pinned ? { pinned } : {}) };
      streams.set(streamId, updated);
      return updated;
    },
    async get(streamId) {
      lookups++;
      const before = streams.get(streamId);
      await new Promise<void>((resolve) => waiting.push(resolve));
      return before;
    },
    async close() {},
  };
  return { registry, release: () => waiting.splice(0).forEach((resolve) => resolve()), lookups: () => lookups };
}

test("should share one lookup among concurrent misses of a stream", async () => {
  const inner = slowRegistry();
  await inner.registry.create({ streamId: "s", title: "", startedAt: 1 });
  const cached = createCachedStreamRegistry(inner.registry);
  const answers = Array.from({ length: 50 }, () => cached.get("s"));
  inner.release();
  assert.deepEqual(new Set((await Promise.all(answers)).map((s) => s?.streamId)), new Set(["s"]));
  assert.equal(inner.lookups(), 1);
  assert.equal((await cached.get("s"))?.streamId, "s");
  assert.equal(inner.lookups(), 1, "then the cache answers");
});

test("should not let a lookup begun before an end hide the end", async () => {
  const inner = slowRegistry();
  await inner.registry.create({ streamId: "s", title: "", startedAt: 1 });
  const cached = createCachedStreamRegistry(inner.registry);
  const stale = cached.get("s");
  await cached.end("s", 5);
  inner.release();
  assert.equal((await stale)?.endedAt, undefined, "the old lookup answers what it read");
  assert.equal((await cached.get("s"))?.endedAt, 5, "but the cache keeps the end");
});

test("should look up again after the time to live, and after a failed lookup", async () => {
  let now = 0;
  const inner = slowRegistry();
  await inner.registry.create({ streamId: "s", title: "", startedAt: 1 });
  const failing: StreamRegistry = { ...inner.registry, get: async () => Promise.reject(new Error("down")) };
  const flaky = createCachedStreamRegistry(failing, { ttlMs: 100, clock: { now: () => now } });
  await assert.rejects(flaky.get("s"), /down/);
  await assert.rejects(flaky.get("s"), /down/, "a failure is not cached");
  const cached = createCachedStreamRegistry(inner.registry, { ttlMs: 100, clock: { now: () => now } });
  const first = cached.get("s");
  inner.release();
  await first;
  now = 150;
  const second = cached.get("s");
  inner.release();
  await second;
  assert.equal(inner.lookups(), 2);
});

test("should answer what it last looked up while the registry is down, for a while", async () => {
  let now = 0;
  let down = false;
  const inner = slowRegistry();
  await inner.registry.create({ streamId: "s", title: "", startedAt: 1 });
  const flaky: StreamRegistry = { ...inner.registry, get: (id) => (down ? Promise.reject(new Error("down")) : inner.registry.get(id)) };
  const cached = createCachedStreamRegistry(flaky, { ttlMs: 100, staleIfErrorMs: 1_000, clock: { now: () => now } });
  const first = cached.get("s");
  inner.release();
  assert.equal((await first)?.streamId, "s");
  down = true;
  now = 500;
  assert.equal((await cached.get("s"))?.streamId, "s", "stale but known while the registry is down");
  now = 1_200;
  await assert.rejects(cached.get("s"), /down/, "too stale: the failure shows");
  await assert.rejects(cached.get("unknown"), /down/, "nothing known: the failure shows");
});
