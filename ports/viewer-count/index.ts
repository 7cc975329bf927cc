/**
 * Viewer counts across all edges: each edge reports a snapshot of its own viewers per stream,
 * and anyone can read the totals. Cheap at any scale: the cost is per stream per edge per
 * report interval, never per viewer.
 *
 * Guarantees: a report replaces the edge's previous one (streams it no longer lists count 0
 * for it); a report older than its `ttlMs` no longer counts, so a dead edge's viewers vanish.
 */
export interface ViewerCounts {
  report(edgeId: string, counts: ReadonlyMap<string, number>, ttlMs: number): Promise<void>;
  /** The total viewers of each stream asked for (0 for none). */
  totals(streamIds: readonly string[]): Promise<Map<string, number>>;
  close(): Promise<void>;
}
