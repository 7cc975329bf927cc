import cassandra from "cassandra-driver";

/** Reads and writes per table of one keyspace, as Cassandra counts them (its virtual tables). */
export type TableCounts = Map<string, { reads: number; writes: number }>;

/**
 * Asks a Cassandra node (5.0 or later) how many local reads and writes each table of
 * `keyspace` served so far: two snapshots, subtracted, tell what a run cost per table.
 */
export async function cassandraTableCounts(env: Readonly<Record<string, string>>, keyspace: string): Promise<TableCounts> {
  const client = new cassandra.Client({
    contactPoints: (env.LC_CASSANDRA_CONTACT_POINTS ?? "127.0.0.1:9042").split(","),
    localDataCenter: env.LC_CASSANDRA_DC ?? "datacenter1",
  });
  try {
    const counts: TableCounts = new Map();
    for (const [view, kind] of [
      ["local_read_latency", "reads"],
      ["local_write_latency", "writes"],
    ] as const) {
      for (const row of (await client.execute(`SELECT keyspace_name, table_name, count FROM system_views.${view}`)).rows) {
        if (row.keyspace_name !== keyspace) continue;
        const table = row.table_name as string;
        const entry = counts.get(table) ?? { reads: 0, writes: 0 };
        entry[kind] = Number(row.count);
        counts.set(table, entry);
      }
    }
    return counts;
  } finally {
    await client.shutdown();
  }
}

/** What a run did per table: `after` minus `before`, divided by `units` (comments, seconds), busiest first. */
export function tableWorkPer(before: TableCounts, after: TableCounts, units: number): string {
  const rows = [...after].map(([table, { reads, writes }]) => {
    const was = before.get(table) ?? { reads: 0, writes: 0 };
    return { table, reads: (reads - was.reads) / Math.max(1, units), writes: (writes - was.writes) / Math.max(1, units) };
  });
  return rows
    .filter((r) => r.reads > 0 || r.writes > 0)
    .sort((a, b) => b.reads + b.writes - (a.reads + a.writes))
    .map((r) => `${r.table} ${r.reads.toFixed(2)} reads, ${r.writes.toFixed(2)} writes`)
    .join("; ");
}
