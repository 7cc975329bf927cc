import type { Clock } from "../../core/clock.js";
import { systemClock } from "../../core/clock.js";
import type { ViewerCounts } from "./index.js";

/** Viewer counts of one process (the embedded mode has one edge). */
export function createMemoryViewerCounts(clock: Clock = systemClock): ViewerCounts {
  const reports = new Map<string, { counts: ReadonlyMap<string, number>; until: number }>();
  return {
    async report(edgeId, counts, ttlMs) {
      reports.set(edgeId, { counts: new Map(counts), until: clock.now() + ttlMs });
    },
    async totals(streamIds) {
      const now = clock.now();
      const totals = new Map(streamIds.map((id) => [id, 0]));
      for (const [edgeId, report] of reports) {
        if (report.until <= now) {
          reports.delete(edgeId);
          continue;
        }
        for (const id of streamIds) totals.set(id, totals.get(id)! + (report.counts.get(id) ?? 0));
      }
      return totals;
    },
    async close() {
      reports.clear();
    },
  };
}
