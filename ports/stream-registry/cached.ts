import type { Clock } from "../../core/clock.js";
import { systemClock } from "../../core/clock.js";
import { makeRoom } from "../../core/bounded-map.js";
import type { Stream } from "../../core/stream.js";
import type { StreamRegistry } from "./index.js";

/** How long a looked-up stream (or its absence) is trusted, by default. */
export const DEFAULT_REGISTRY_CACHE_MS = 1_000;
/** Most streams cached. */
export const DEFAULT_REGISTRY_CACHE_SIZE = 100_000;
/** How long a looked-up stream may still be answered while the registry cannot be reached. */
export const DEFAULT_REGISTRY_STALE_IF_ERROR_MS = 10 * 60_000;

/**
 * Caches `get` in front of a shared registry, since ingest and the edge look a stream up on
 * every request. A stream older than `ttlMs` in the cache is answered from it while it is looked
 * up again, so another process creating, ending or changing a stream is seen within `ttlMs`
 * plus one lookup; this process's own changes are seen at once. Absent streams are cached too,
 * so a flood of requests for made-up ids does not reach the store, and concurrent misses of one
 * stream share one lookup.
 * When the registry cannot be reached, what was last looked up is answered for a while longer
 * (`staleIfErrorMs`), so a registry outage does not stop comments on streams already known.
 */
export function createCachedStreamRegistry(
  inner: StreamRegistry,
  options: { ttlMs?: number; maxEntries?: number; staleIfErrorMs?: number; clock?: Clock; onLookup?: (hit: boolean) => void } = {},
): StreamRegistry {
  const ttlMs = options.ttlMs ?? DEFAULT_REGISTRY_CACHE_MS;
  const maxEntries = options.maxEntries ?? DEFAULT_REGISTRY_CACHE_SIZE;
  const clock = options.clock ?? systemClock;
  const staleIfErrorMs = options.staleIfErrorMs ?? DEFAULT_REGISTRY_STALE_IF_ERROR_MS;
  const cache = new Map<string, { stream: Stream | undefined; until: number }>();
  const lookups = new Map<string, Promise<Stream | undefined>>();
  const remember = (streamId: string, stream: Stream | undefined) => {
    const now = clock.now();
    if (!cache.delete(streamId)) makeRoom(cache, maxEntries, (entry) => entry.until <= now);
    cache.set(streamId, { stream, until: now + ttlMs });
    return stream;
  };
  const lookUp = (streamId: string): Promise<Stream | undefined> => {
    const lookup = inner.get(streamId).then(
      (stream) => {
        if (lookups.get(streamId) !== lookup) return stream;
        lookups.delete(streamId);
        return remember(streamId, stream);
      },
      (error: unknown) => {
        if (lookups.get(streamId) === lookup) lookups.delete(streamId);
        const stale = cache.get(streamId);
        if (stale && stale.until + staleIfErrorMs > clock.now()) return stale.stream;
        throw error;
      },
    );
    lookups.set(streamId, lookup);
    return lookup;
  };
  return {
    async create(stream) {
      const created = await inner.create(stream);
      lookups.delete(stream.streamId); // a lookup begun before must not overwrite this
      remember(stream.streamId, created);
      return stream;
    },
    async end(streamId, endedAt) {
      const ended = await inner.end(streamId, endedAt);
      lookups.delete(streamId);
      return remember(streamId, ended);
    },
    async update(streamId, change) {
      const updated = await inner.update(streamId, change);
      lookups.delete(streamId);
      return remember(streamId, updated);
    },
    get(streamId) {
      const hit = cache.get(streamId);
      const now = clock.now();
      const fresh = hit !== undefined && hit.until > now;
      options.onLookup?.(fresh);
      if (fresh) return Promise.resolve(hit.stream);
      const lookup = lookups.get(streamId) ?? lookUp(streamId);
      // A stream looked up before is answered at once while it is looked up again: a post
      // never waits for the registry of a stream it already knows (unless what is known is
      // older than a registry outage may keep it).
      if (hit !== undefined && hit.until + staleIfErrorMs > now) {
        lookup.catch(() => {});
        return Promise.resolve(hit.stream);
      }
      return lookup;
    },
    close: () => inner.close(),
  };
}
