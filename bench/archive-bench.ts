// The archive benchmark: loads one stream with 1,000,000 comments into real Cassandra through
// the archive store (the same writes the archive consumer makes), then reads random 3-minute
// windows as replays do. Prints write throughput and window latency percentiles.
//
//   node scripts/engines.mjs run -- node dist/bench/archive-bench.js [--quick]
//   (npm run bench:archive does exactly that)
import { randomBytes } from "node:crypto";
import type { Comment } from "../core/comment.js";
import { createCassandraArchiveStore } from "../ports/archive-store/cassandra.js";
import { connectCassandra } from "../ports/cassandra/connect-cassandra.js";
import { engineAddress } from "../test/support/engines.js";
import { HISTOGRAM_BUCKETS, percentile, record } from "./latency-histogram.js";

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick");
  const total = quick ? 100_000 : 1_000_000;
  const spanMs = 60 * 60 * 1000; // the comments of one hour of video
  const writeBatch = 1_000; // what the archive consumer hands the store at a time
  const reads = quick ? 500 : 2_000;
  const keyspace = `lc_bench_${randomBytes(4).toString("hex")}`;
  const client = await connectCassandra({
    contactPoints: engineAddress("LC_CASSANDRA_CONTACT_POINTS").split(","),
    localDataCenter: engineAddress("LC_CASSANDRA_DC"),
    keyspace,
  });
  try {
    const store = await createCassandraArchiveStore(client);
    const streamId = "bench-stream";
    const comment = (i: number): Comment => ({
      commentId: `00000000-0000-7000-8000-${i.toString(16).padStart(12, "0")}`,
      streamId,
      userId: `user-${i % 50_000}`,
      username: `Viewer ${i % 50_000}`,
      text: `comment number ${i}, about as long as a live comment tends to be`,
      serverTs: 1_800_000_000_000 + Math.floor((i * spanMs) / total),
      offsetMs: Math.floor((i * spanMs) / total),
      seq: i + 1,
    });
    process.stderr.write(`archive benchmark: writing ${total.toLocaleString("en")} comments in batches of ${writeBatch} ...\n`);
    const writeStarted = performance.now();
    for (let i = 0; i < total; i += writeBatch) {
      await store.write(Array.from({ length: Math.min(writeBatch, total - i) }, (_, j) => comment(i + j)));
    }
    const writeSeconds = (performance.now() - writeStarted) / 1000;

    process.stderr.write(`reading ${reads} random 3-minute windows (first page of 500) ...\n`);
    const histogram = new Uint32Array(HISTOGRAM_BUCKETS);
    let rows = 0;
    for (let i = 0; i < reads; i++) {
      const fromMs = Math.floor(Math.random() * (spanMs - 180_000));
      const started = performance.now();
      const page = await store.window({ streamId, fromMs, toMs: fromMs + 180_000, limit: 501 });
      record(histogram, performance.now() - started);
      rows += page.length;
    }
    const figures = [
      ["comments written", total.toLocaleString("en")],
      ["write throughput (comments/s)", Math.round(total / writeSeconds).toLocaleString("en")],
      ["3-minute window, first page: p50 / p90 / p99 / max (ms)", [0.5, 0.9, 0.99, 1].map((f) => percentile(histogram, f)).join(" / ")],
      ["rows per page (mean)", (rows / reads).toFixed(0)],
    ];
    process.stdout.write(`\n| figure | value |\n| --- | --- |\n${figures.map(([k, v]) => `| ${k} | ${v} |`).join("\n")}\n`);
  } finally {
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch(() => {});
    await client.shutdown();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`archive benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
