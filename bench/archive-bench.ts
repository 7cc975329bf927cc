// The archive benchmark: puts one stream of 1,000,000 comments in Kafka, starts one
// `livecomments archive` process and times how fast it copies them into Cassandra (from Kafka,
// committing after Cassandra acknowledged, as in production), then reads random 3-minute
// windows through its HTTP API as replays do, and the stream's timeline (three hours of video).
// Prints write throughput and the latencies of both reads; the timeline is read again from
// SQLite holding the same comments.
//
//   node scripts/engines.mjs run -- node dist/bench/archive-bench.js [--quick]
//   (npm run bench:archive does exactly that)
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Playback } from "../archive/playback.js";
import { PaginationTokens } from "../archive/pagination-token.js";
import { createSqliteArchiveStore } from "../ports/archive-store/sqlite.js";
import { createSqliteStreamRegistry } from "../ports/stream-registry/sqlite.js";
import { openDatabase } from "../ports/sqlite/open-database.js";
import { request } from "node:http";
import type { CommentRecord } from "../core/comment.js";
import { createKafkaCommentLog } from "../ports/comment-log/kafka.js";
import { appendComment } from "../ports/comment-log/index.js";
import { connectCassandra } from "../ports/cassandra/connect-cassandra.js";
import { createCassandraStreamRegistry } from "../ports/stream-registry/cassandra.js";
import { READY, deploymentEnv } from "../harness/distributed-system.js";
import { engineAddress } from "../harness/engines.js";
import { startRole } from "../harness/role-process.js";
import { HISTOGRAM_BUCKETS, percentile, record } from "./latency-histogram.js";

/** GETs a path on loopback with a keep-alive-free request; resolves with status and body. */
function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick");
  const total = quick ? 100_000 : 1_000_000;
  const spanMs = 3 * 60 * 60 * 1000; // the comments of three hours of video
  const reads = quick ? 500 : 2_000;
  const keyspace = `lc_bench_${randomBytes(4).toString("hex")}`;
  const env = deploymentEnv(randomBytes(16).toString("hex"), { LC_CASSANDRA_KEYSPACE: keyspace, LC_KAFKA_PARTITIONS: "12", LC_ARCHIVE_LAG_POLL_MS: "250" });
  const cassandra = await connectCassandra({
    contactPoints: engineAddress("LC_CASSANDRA_CONTACT_POINTS").split(","),
    localDataCenter: engineAddress("LC_CASSANDRA_DC"),
    keyspace,
  });
  try {
    const streamId = "bench-stream";
    const startedAt = Date.now() - spanMs;
    await (await createCassandraStreamRegistry(cassandra)).create({ streamId, title: "benchmark", startedAt });

    process.stderr.write(`archive benchmark: producing ${total.toLocaleString("en")} comments to Kafka ...\n`);
    const log = await createKafkaCommentLog({
      brokers: env.LC_KAFKA_BROKERS!.split(","),
      clientId: "archive-bench",
      topic: env.LC_KAFKA_TOPIC!,
      partitions: 12,
    });
    const record_ = (i: number): CommentRecord => ({
      commentId: `00000000-0000-7000-8000-${i.toString(16).padStart(12, "0")}`,
      streamId,
      userId: `user-${i % 50_000}`,
      username: `Viewer ${i % 50_000}`,
      text: `comment number ${i}, about as long as a live comment tends to be`,
      serverTs: startedAt + Math.floor((i * spanMs) / total),
      offsetMs: Math.floor((i * spanMs) / total),
    });
    for (let i = 0; i < total; i += 5_000) {
      await Promise.all(Array.from({ length: Math.min(5_000, total - i) }, (_, j) => appendComment(log, record_(i + j))));
    }
    await log.close();

    process.stderr.write("starting one archive process and timing its copy into Cassandra ...\n");
    const archive = await startRole("archive", env, READY.archive);
    const port = Number(new URL(archive.ready[1]!).port);
    try {
      const started = performance.now();
      let lag = Number.NaN;
      while (lag !== 0) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        lag = (JSON.parse((await get(port, "/v1/archive/status")).body) as { lag_comments: number | null }).lag_comments ?? Number.NaN;
      }
      const writeSeconds = (performance.now() - started) / 1000;

      process.stderr.write(`reading ${reads} random 3-minute windows over HTTP (first page of 500) ...\n`);
      const histogram = new Uint32Array(HISTOGRAM_BUCKETS);
      let rows = 0;
      for (let i = 0; i < reads; i++) {
        const from = Math.floor(Math.random() * (spanMs / 1000 - 180));
        const began = performance.now();
        const page = await get(port, `/v1/streams/${streamId}/comments?start_time=${from}&duration=180&limit=500`);
        record(histogram, performance.now() - began);
        if (page.status !== 200) throw new Error(`window answered ${page.status}: ${page.body.slice(0, 200)}`);
        rows += (JSON.parse(page.body) as { comments: unknown[] }).comments.length;
      }
      const timelines = quick ? 100 : 500;
      process.stderr.write(`reading the timeline ${timelines} times over HTTP, at the default width and at one second ...\n`);
      const timelineFigures = await timeTimeline(timelines, total, async (bucketS) => {
        const answer = await get(port, `/v1/streams/${streamId}/timeline${bucketS ? `?bucket_s=${bucketS}` : ""}`);
        if (answer.status !== 200) throw new Error(`timeline answered ${answer.status}: ${answer.body.slice(0, 200)}`);
        return JSON.parse(answer.body) as { bucket_s: number; counts: number[] };
      });
      process.stderr.write("the same comments in SQLite: timing its timeline ...\n");
      const sqliteFigures = await sqliteTimeline(streamId, total, spanMs, timelines, record_);
      const counted = JSON.parse((await get(port, `/v1/streams/${streamId}`)).body) as { comment_count: number };
      const figures = [
        ["comments copied from Kafka to Cassandra", total.toLocaleString("en")],
        ["archive write throughput, one process (comments/s)", Math.round(total / writeSeconds).toLocaleString("en")],
        ["3-minute window over HTTP, first page: p50 / p90 / p99 / max (ms)", [0.5, 0.9, 0.99, 1].map((f) => percentile(histogram, f)).join(" / ")],
        ["rows per page (mean)", (rows / reads).toFixed(0)],
        ["comment_count of the stream", counted.comment_count.toLocaleString("en")],
        ...timelineFigures.map(([k, v]) => [`Cassandra: ${k}`, v]),
        ...sqliteFigures.map(([k, v]) => [`SQLite: ${k}`, v]),
      ];
      process.stdout.write(`\n| figure | value |\n| --- | --- |\n${figures.map(([k, v]) => `| ${k} | ${v} |`).join("\n")}\n`);
    } finally {
      await archive.stop();
    }
  } finally {
    await cassandra.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch(() => {});
    await cassandra.shutdown();
  }
}

/**
 * Times `reads` timeline reads at the default width and as many at one second, checking that
 * every answer counts all `total` comments.
 */
async function timeTimeline(
  reads: number,
  total: number,
  read: (bucketS?: number) => Promise<{ bucket_s: number; counts: number[] }>,
): Promise<[string, string][]> {
  const figures: [string, string][] = [];
  for (const bucketS of [undefined, 1]) {
    const histogram = new Uint32Array(HISTOGRAM_BUCKETS);
    let answer: { bucket_s: number; counts: number[] } | undefined;
    for (let i = 0; i < reads; i++) {
      const began = performance.now();
      answer = await read(bucketS);
      record(histogram, performance.now() - began);
    }
    const sum = answer!.counts.reduce((a, b) => a + b, 0);
    if (sum !== total) throw new Error(`the timeline counts ${sum} comments of ${total}`);
    figures.push([
      `timeline, ${answer!.counts.length.toLocaleString("en")} buckets of ${answer!.bucket_s} s: p50 / p90 / p99 / max (ms)`,
      [0.5, 0.9, 0.99, 1].map((f) => percentile(histogram, f)).join(" / "),
    ]);
  }
  return figures;
}

/** The same comments written into an embedded archive (SQLite in a temporary file), its timeline timed through Playback. */
async function sqliteTimeline(
  streamId: string,
  total: number,
  spanMs: number,
  reads: number,
  comment: (i: number) => CommentRecord,
): Promise<[string, string][]> {
  const dir = mkdtempSync(join(tmpdir(), "lc-archive-bench-"));
  const db = openDatabase(join(dir, "archive.db"));
  try {
    const store = createSqliteArchiveStore(db);
    const registry = createSqliteStreamRegistry(db);
    await registry.create({ streamId, title: "benchmark", startedAt: Date.now() - spanMs });
    for (let i = 0; i < total; i += 10_000) {
      await store.write(Array.from({ length: Math.min(10_000, total - i) }, (_, j) => ({ ...comment(i + j), seq: i + j + 1 })));
    }
    const playback = new Playback(store, registry, new PaginationTokens(randomBytes(32)));
    return await timeTimeline(reads, total, async (bucketS) => {
      const timeline = await playback.timeline(streamId, bucketS);
      return { bucket_s: timeline.bucketS, counts: timeline.counts };
    });
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`archive benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
