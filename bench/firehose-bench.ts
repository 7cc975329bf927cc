// The firehose benchmark: appends comments to Kafka at a steady rate (5,000/s over 100 streams
// by default), with one `livecomments relay` process reading the topic, and measures the
// relay's CPU per comment without a firehose consumer, then with one consumer reading
// FanoutRelay.SubscribeAll, whose lag (from each comment's append to its arrival) it prints.
//
//   node scripts/engines.mjs run -- node dist/bench/firehose-bench.js [--rate 5000] [--seconds 20]
//   (npm run bench:firehose does exactly that)
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import type { ServiceError } from "@grpc/grpc-js";
import { mintToken } from "../core/auth/dev-token.js";
import { RELAY_SUBSCRIBE_SCOPE } from "../core/auth/scopes.js";
import type { CommentRecord } from "../core/comment.js";
import { createGrpcClient } from "../core/grpc/grpc-client.js";
import type { SubscribeAllResponse } from "../gen/livecomments/v1/fanout_relay_pb.js";
import { FanoutRelay } from "../gen/livecomments/v1/fanout_relay_pb.js";
import { createKafkaCommentLog } from "../ports/comment-log/kafka.js";
import { appendComment } from "../ports/comment-log/index.js";
import type { CommentLog } from "../ports/comment-log/index.js";
import { READY, deploymentEnv } from "../harness/distributed-system.js";
import { bearer } from "../harness/grpc-client.js";
import { startRole } from "../harness/role-process.js";
import { HISTOGRAM_BUCKETS, percentile, record } from "./latency-histogram.js";
import { cpuSeconds } from "./process-stats.js";

const STREAMS = 100;
const TICK_MS = 10;
/** Appends waiting for Kafka before the generator stops adding (it reports what it achieved). */
const MAX_IN_FLIGHT = 20_000;

interface PhaseResult {
  readonly phase: string;
  readonly appended: number;
  readonly failed: number;
  readonly seconds: number;
  readonly relayCpuSeconds: number;
  readonly lag?: { readonly p50: number; readonly p99: number; readonly max: number; readonly behindAtEnd: number; readonly caughtUpMs: number };
}

let sequence = 0;
function commentRecord(): CommentRecord {
  sequence++;
  return {
    commentId: `00000000-0000-7000-8000-${sequence.toString(16).padStart(12, "0")}`,
    streamId: `bench-${sequence % STREAMS}`,
    userId: `user-${sequence % 10_000}`,
    username: "Bench",
    text: `comment ${sequence} of the firehose benchmark`,
    serverTs: Date.now(),
    offsetMs: sequence,
  };
}

/** A firehose consumer that records each comment's age on arrival. */
function firehoseConsumer(address: string, token: string) {
  const client = createGrpcClient(FanoutRelay, address);
  const lag = new Uint32Array(HISTOGRAM_BUCKETS);
  let received = 0;
  let maxLag = 0;
  let opened!: () => void;
  const open = new Promise<void>((resolve) => (opened = resolve));
  const call = client.subscribeAll({}, bearer(token));
  call.on("data", (message: SubscribeAllResponse) => {
    opened();
    const now = Date.now();
    for (const { record: logRecord } of message.records) {
      if (logRecord?.event.case !== "comment") continue;
      const ms = now - Number(logRecord.event.value.comment!.serverTs);
      record(lag, ms);
      maxLag = Math.max(maxLag, ms);
      received++;
    }
  });
  call.on("error", (error: ServiceError) => {
    if (error.code !== 1) process.stderr.write(`firehose consumer failed: ${error.code} ${error.details}\n`);
  });
  return {
    open,
    received: () => received,
    lag: () => ({ p50: percentile(lag, 0.5), p99: percentile(lag, 0.99), max: maxLag }),
    close() {
      call.cancel();
      client.close();
    },
  };
}

/** Appends at `rate` per second for `seconds`; resolves with what was appended once all are answered. */
async function produce(log: CommentLog, rate: number, seconds: number): Promise<{ appended: number; failed: number }> {
  let appended = 0;
  let failed = 0;
  let inFlight = 0;
  const pending = new Set<Promise<void>>();
  const started = Date.now();
  let due = 0;
  while (Date.now() - started < seconds * 1000) {
    const target = Math.floor(((Date.now() - started) / 1000) * rate);
    for (; due < target && inFlight < MAX_IN_FLIGHT; due++) {
      inFlight++;
      const append = appendComment(log, commentRecord()).then(
        () => void appended++,
        () => void failed++,
      );
      const tracked: Promise<void> = append.finally(() => (inFlight--, pending.delete(tracked)));
      pending.add(tracked);
    }
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  await Promise.all(pending);
  return { appended, failed };
}

async function phase(
  name: string,
  log: CommentLog,
  relayPid: number,
  rate: number,
  seconds: number,
  consumer?: ReturnType<typeof firehoseConsumer>,
): Promise<PhaseResult> {
  const receivedBefore = consumer?.received() ?? 0;
  const cpuBefore = cpuSeconds(relayPid);
  const startedAt = Date.now();
  const { appended, failed } = await produce(log, rate, seconds);
  const producedMs = Date.now() - startedAt;
  let lag: PhaseResult["lag"];
  if (consumer) {
    const behindAtEnd = appended - (consumer.received() - receivedBefore);
    const waitStarted = Date.now();
    while (consumer.received() - receivedBefore < appended && Date.now() - waitStarted < 30_000) await new Promise((resolve) => setTimeout(resolve, 20));
    lag = { ...consumer.lag(), behindAtEnd, caughtUpMs: Date.now() - waitStarted };
  } else {
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // the relay reads what is left
  }
  const relayCpuSeconds = cpuSeconds(relayPid) - cpuBefore;
  return { phase: name, appended, failed, seconds: producedMs / 1000, relayCpuSeconds, ...(lag ? { lag } : {}) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rate: { type: "string", default: "5000" }, seconds: { type: "string", default: "20" } } });
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const secret = randomBytes(16).toString("hex");
  const env = deploymentEnv(secret, { LC_KAFKA_PARTITIONS: "12", LC_RELAY_WARMUP_MS: "0" });
  const log = await createKafkaCommentLog({
    brokers: env.LC_KAFKA_BROKERS!.split(","),
    clientId: "firehose-bench",
    topic: env.LC_KAFKA_TOPIC!,
    partitions: 12,
  });
  const relay = await startRole("relay", env, READY.relay);
  const results: PhaseResult[] = [];
  try {
    process.stderr.write(`firehose benchmark: ${rate.toLocaleString("en")} comments/s over ${STREAMS} streams, ${seconds} s per phase\n`);
    await phase("warm-up", log, relay.process.pid!, rate, 5);
    results.push(await phase("relay alone", log, relay.process.pid!, rate, seconds));
    const consumer = firehoseConsumer(relay.ready[1]!, await mintToken(secret, { sub: "bench", scope: RELAY_SUBSCRIBE_SCOPE }));
    await consumer.open;
    results.push(await phase("relay + 1 firehose consumer", log, relay.process.pid!, rate, seconds, consumer));
    consumer.close();
  } finally {
    await relay.stop();
    await log.close();
  }
  const rows = results.map((r) => {
    const perComment = (r.relayCpuSeconds * 1000) / Math.max(1, r.appended);
    return [
      r.phase,
      Math.round(r.appended / r.seconds).toLocaleString("en"),
      String(r.failed),
      perComment.toFixed(3),
      `${((r.relayCpuSeconds / r.seconds) * 100).toFixed(0)} %`,
      r.lag ? `${r.lag.p50} / ${r.lag.p99} / ${r.lag.max}` : "-",
      r.lag ? `${r.lag.behindAtEnd.toLocaleString("en")} (caught up in ${r.lag.caughtUpMs} ms)` : "-",
    ];
  });
  const header = [
    "phase",
    "comments/s",
    "failed",
    "relay CPU ms/comment",
    "relay CPU share of a core",
    "consumer lag p50 / p99 / max ms",
    "behind when appends stopped",
  ];
  process.stdout.write(`| ${header.join(" | ")} |\n| ${header.map(() => "---").join(" | ")} |\n`);
  for (const row of rows) process.stdout.write(`| ${row.join(" | ")} |\n`);
  const [alone, withConsumer] = results;
  if (alone && withConsumer) {
    const ratio = withConsumer.relayCpuSeconds / withConsumer.appended / (alone.relayCpuSeconds / alone.appended);
    process.stdout.write(`\nrelay CPU per comment with one firehose consumer: ${ratio.toFixed(2)}x the relay alone\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
