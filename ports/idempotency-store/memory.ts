import type { Clock } from "../../core/clock.js";
import { systemClock } from "../../core/clock.js";
import { makeRoom } from "../../core/bounded-map.js";
import type { IdempotencyStore } from "./index.js";

/** Most keys kept in memory; past it expired keys are swept, then the oldest go. */
export const DEFAULT_MAX_IDEMPOTENCY_KEYS = 200_000;

/** Options of {@link createMemoryIdempotencyStore}. */
export interface MemoryIdempotencyStoreOptions {
  readonly clock?: Clock;
  readonly maxKeys?: number;
}

/** Idempotency keys of one process, bounded in count. */
export function createMemoryIdempotencyStore(options: MemoryIdempotencyStoreOptions = {}): IdempotencyStore {
  const clock = options.clock ?? systemClock;
  const maxKeys = options.maxKeys ?? DEFAULT_MAX_IDEMPOTENCY_KEYS;
  const entries = new Map<string, { value: string | undefined; expiresAt: number }>();

  return {
    async reserve(key, ttlMs) {
      const now = clock.now();
      const entry = entries.get(key);
      if (entry && entry.expiresAt > now) {
        return entry.value === undefined ? { status: "pending" } : { status: "done", value: entry.value };
      }
      if (!entries.delete(key)) makeRoom(entries, maxKeys, (old) => old.expiresAt <= now);
      entries.set(key, { value: undefined, expiresAt: now + ttlMs });
      return { status: "reserved" };
    },
    async complete(key, value, ttlMs) {
      entries.delete(key);
      entries.set(key, { value, expiresAt: clock.now() + ttlMs });
    },
    async release(key) {
      entries.delete(key);
    },
    async close() {
      entries.clear();
    },
  };
}
