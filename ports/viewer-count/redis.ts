import type { Redis } from "ioredis";
import type { ViewerCounts } from "./index.js";

/**
 * Viewer counts shared through Redis: one hash per stream, `<prefix>viewers:<stream_id>`,
 * with a field per edge holding `<count>:<expires-at-ms>`. Expired fields are ignored when
 * read and removed as they are seen; the hash itself expires when no edge reports.
 */
export function createRedisViewerCounts(redis: Redis, keyPrefix = "lc:"): ViewerCounts {
  const keyOf = (streamId: string) => `${keyPrefix}viewers:${streamId}`;
  const reportedBy = new Map<string, Set<string>>();
  return {
    async report(edgeId, counts, ttlMs) {
      const expiresAt = Date.now() + ttlMs;
      const pipeline = redis.pipeline();
      const previous = reportedBy.get(edgeId) ?? new Set<string>();
      const now = new Set<string>();
      for (const [streamId, count] of counts) {
        if (count <= 0) continue;
        now.add(streamId);
        pipeline.hset(keyOf(streamId), edgeId, `${count}:${expiresAt}`);
        pipeline.pexpire(keyOf(streamId), ttlMs * 3);
      }
      for (const streamId of previous) if (!now.has(streamId)) pipeline.hdel(keyOf(streamId), edgeId);
      reportedBy.set(edgeId, now);
      await pipeline.exec();
    },
    async totals(streamIds) {
      const pipeline = redis.pipeline();
      for (const id of streamIds) pipeline.hgetall(keyOf(id));
      const results = (await pipeline.exec()) ?? [];
      const now = Date.now();
      const totals = new Map<string, number>();
      const cleanup = redis.pipeline();
      let stale = 0;
      streamIds.forEach((id, i) => {
        const fields = (results[i]?.[1] ?? {}) as Record<string, string>;
        let total = 0;
        for (const [edgeId, value] of Object.entries(fields)) {
          const [count, expiresAt] = value.split(":").map(Number) as [number, number];
          if (expiresAt > now && Number.isFinite(count)) total += count;
          else {
            cleanup.hdel(keyOf(id), edgeId);
            stale++;
          }
        }
        totals.set(id, total);
      });
      if (stale > 0) await cleanup.exec();
      return totals;
    },
    async close() {},
  };
}
