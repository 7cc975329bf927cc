// A capacity plan from measured per-process figures: how many processes of each role, Kafka
// partitions, Redis instances and Cassandra nodes serve a peak, and the cores they need.
//
//   npm run capacity                                     the seed's peak: 5,000,000 viewers, 5,000 comments/s
//   npm run capacity -- --viewers 200000 --rate 800 --streams 50 --max-rate 0
//   npm run capacity -- --stream-affinity                the load balancer routes by stream id
//   npm run capacity -- --edge-cpu-per-million 2.1 ...   plug in figures measured on your machines
//
// Every figure below is a flag; the defaults are what this repository's benchmarks measured on a
// 2-core machine (see BENCHMARKS.md), where the load generator and all engines shared the
// cores: a dedicated server does better, so the plan errs on the side of more processes.

/** Measured per-process figures. */
export interface Figures {
  /** Edge: CPU seconds per million deliveries with 150 ms batches (`npm run bench:edge`, fan-out). */
  readonly edgeCpuPerMillion: number;
  /** Edge: resident memory per connected viewer, KiB (idle run). */
  readonly edgeKiBPerViewer: number;
  /** Edge: viewers one process holds (open files; LC_MAX_VIEWERS). */
  readonly edgeViewersPerProcess: number;
  /** Relay: CPU seconds per comment read from Kafka and sent to one edge subscription (`npm run bench:e2e`: relay CPU / (accepted x edge workers)). */
  readonly relayCpuPerCommentEdge: number;
  /** Ingest: CPU seconds per 1,000 accepted comments (`npm run bench:ingest`). */
  readonly ingestCpuPerThousand: number;
  /** Archive: comments per second one process writes to Cassandra (`npm run bench:archive`). */
  readonly archiveWritesPerProcess: number;
  /** Cassandra: comment writes per second one node took in the archive benchmark. */
  readonly cassandraWritesPerNode: number;
  /** Kafka: appends per second one broker took for the log alone. */
  readonly kafkaAppendsPerBroker: number;
  /** Redis: Lua script calls per second one instance answered (`redis-benchmark -c 50`, a one-key EVAL). */
  readonly redisScriptsPerInstance: number;
}

export const MEASURED: Figures = {
  edgeCpuPerMillion: 1.5,
  edgeKiBPerViewer: 4.4,
  edgeViewersPerProcess: 15_000,
  relayCpuPerCommentEdge: 0.0001,
  ingestCpuPerThousand: 0.22,
  archiveWritesPerProcess: 15_485,
  cassandraWritesPerNode: 15_485,
  kafkaAppendsPerBroker: 23_000,
  redisScriptsPerInstance: 45_000,
};

/** The peak to serve. */
export interface Peak {
  readonly viewers: number;
  /** Comments per second over all streams. */
  readonly rate: number;
  readonly streams: number;
  /**
   * Comments/s of the stream a viewer watches: rate / streams when viewers and comments spread
   * evenly; a big event has most viewers on one hot stream.
   */
  readonly viewerStreamRate: number;
  /** Per-viewer rate cap (comments/s); 0 for none. */
  readonly maxRate: number;
  /** Fraction of a core a process is planned to use at the peak (headroom for bursts). */
  readonly utilisation: number;
  readonly replication: number;
  /**
   * Whether the load balancer sends the viewers of one stream to the same few edges (hash on
   * the stream id): an edge then subscribes to few streams instead of all of them.
   */
  readonly streamAffinity: boolean;
}

/** One line of the plan. */
export interface PlanRow {
  readonly component: string;
  readonly count: number;
  readonly cores: number;
  readonly formula: string;
}

/** Computes the plan. */
export function capacityPlan(peak: Peak, f: Figures): PlanRow[] {
  const perViewerRate = peak.maxRate > 0 ? Math.min(peak.viewerStreamRate, peak.maxRate) : peak.viewerStreamRate;
  const deliveries = peak.viewers * perViewerRate;
  const edgeCores = (deliveries * f.edgeCpuPerMillion) / 1e6;
  const edges = Math.max(Math.ceil(peak.viewers / f.edgeViewersPerProcess), Math.ceil(edgeCores / peak.utilisation));
  // Each edge subscribes to the streams its viewers watch: with viewers spread at random, an
  // edge of thousands of viewers watches every stream; with stream affinity, a stream's viewers
  // fill as few edges as they need.
  // Viewers watch the streams that carry `viewerStreamRate`: all of them when comments spread
  // evenly, a few hot ones in a big event.
  const watchedStreams = Math.max(1, Math.min(peak.streams, peak.rate / peak.viewerStreamRate));
  const viewersPerStream = peak.viewers / watchedStreams;
  const edgeSubscriptionsPerComment = peak.streamAffinity
    ? Math.ceil(viewersPerStream / f.edgeViewersPerProcess)
    : Math.min(edges, Math.ceil(viewersPerStream));
  const relayCores = peak.rate * edgeSubscriptionsPerComment * f.relayCpuPerCommentEdge;
  const relays = Math.max(2, Math.ceil(relayCores / peak.utilisation));
  const ingestCores = (peak.rate * f.ingestCpuPerThousand) / 1000;
  const ingests = Math.max(2, Math.ceil(ingestCores / peak.utilisation));
  const archives = Math.max(2, Math.ceil(peak.rate / (f.archiveWritesPerProcess * peak.utilisation)));
  const brokers = Math.max(peak.replication, Math.ceil((peak.rate * peak.replication) / (f.kafkaAppendsPerBroker * peak.utilisation)));
  const partitions = Math.max(12, 2 * archives);
  // Three checks per post (per-IP limit, ban and slow mode, user and stream limits); the checks of
  // one event-loop turn share a script call, so this is an upper bound.
  const redisCalls = peak.rate * 3;
  const redis = Math.max(1, Math.ceil(redisCalls / (f.redisScriptsPerInstance * peak.utilisation)));
  const cassandra = Math.max(peak.replication, Math.ceil((peak.rate * peak.replication) / (f.cassandraWritesPerNode * peak.utilisation)));
  const u = peak.utilisation;
  return [
    {
      component: "edge processes",
      count: edges,
      cores: edges,
      formula: `max(viewers / ${f.edgeViewersPerProcess}, viewers x ${perViewerRate.toFixed(2)}/s x ${f.edgeCpuPerMillion} s/1M / ${u})`,
    },
    {
      component: "relay processes",
      count: relays,
      cores: relays,
      formula: `max(2, rate x ${edgeSubscriptionsPerComment} edge subscriptions x ${f.relayCpuPerCommentEdge} s / ${u})`,
    },
    { component: "ingest processes", count: ingests, cores: ingests, formula: `max(2, rate x ${f.ingestCpuPerThousand} s/1000 / ${u})` },
    { component: "archive processes", count: archives, cores: archives, formula: `max(2, rate / (${f.archiveWritesPerProcess}/s x ${u}))` },
    { component: "Kafka brokers", count: brokers, cores: brokers * 2, formula: `max(RF, rate x RF / (${f.kafkaAppendsPerBroker}/s x ${u})), 2 cores each` },
    { component: "Kafka partitions", count: partitions, cores: 0, formula: "max(12, 2 x archive processes): each archive process owns some" },
    { component: "Redis instances", count: redis, cores: redis, formula: `rate x 3 checks / (${f.redisScriptsPerInstance}/s x ${u})` },
    {
      component: "Cassandra nodes",
      count: cassandra,
      cores: cassandra * 4,
      formula: `max(RF, rate x RF / (${f.cassandraWritesPerNode}/s x ${u})), 4 cores each`,
    },
  ];
}

function flag(args: readonly string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number >= 0, got ${args[i + 1]}`);
  return value;
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function main(): void {
  const args = process.argv.slice(2);
  const peak: Peak = {
    viewers: flag(args, "viewers", 5_000_000),
    rate: flag(args, "rate", 5_000),
    streams: flag(args, "streams", 1_000),
    maxRate: flag(args, "max-rate", 50),
    viewerStreamRate: 0,
    utilisation: flag(args, "utilisation", 0.6),
    replication: flag(args, "replication", 3),
    streamAffinity: args.includes("--stream-affinity"),
  };
  const spread: Peak = { ...peak, viewerStreamRate: flag(args, "viewer-stream-rate", peak.rate / peak.streams) };
  const figures = Object.fromEntries(Object.entries(MEASURED).map(([name, value]) => [name, flag(args, kebab(name), value)])) as unknown as Figures;
  const rows = capacityPlan(spread, figures);
  const cores = rows.reduce((sum, row) => sum + row.cores, 0);
  process.stdout.write(
    [
      `peak: ${peak.viewers.toLocaleString("en")} viewers watching streams of ${spread.viewerStreamRate.toLocaleString("en")} comments/s; ${peak.rate.toLocaleString("en")} comments/s over ${peak.streams} streams; rate cap ${peak.maxRate || "off"}; ${peak.utilisation * 100}% planned use of a core; replication ${peak.replication}; ${peak.streamAffinity ? "viewers routed to edges by stream" : "viewers spread over edges at random"}`,
      "",
      "| component | count | cores | formula |",
      "| --- | --- | --- | --- |",
      ...rows.map((row) => `| ${row.component} | ${row.count.toLocaleString("en")} | ${row.cores ? row.cores.toLocaleString("en") : "-"} | ${row.formula} |`),
      `| total | | ${cores.toLocaleString("en")} | |`,
      "",
    ].join("\n"),
  );
}

main();
