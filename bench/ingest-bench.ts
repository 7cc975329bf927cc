// The ingest benchmark: one `livecomments ingest` process on real Kafka, Redis and Cassandra,
// driven by many concurrent clients over raw keep-alive sockets, with every limit on (per
// user, per stream; the per-IP one is raised because the clients all come from loopback).
// Prints accepted comments/s and latency percentiles.
//
//   node scripts/engines.mjs run -- node dist/bench/ingest-bench.js [--quick]
//   (npm run bench:ingest does exactly that)
import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import type { Socket } from "node:net";
import { mintToken } from "../ingest/dev-token.js";
import { READY, deploymentEnv } from "../test/support/distributed-system.js";
import { startRole } from "../test/support/role-process.js";
import { HISTOGRAM_BUCKETS, percentile, record } from "./latency-histogram.js";
import { cpuSeconds } from "./process-stats.js";

interface Options {
  readonly seconds: number;
  readonly connections: number;
  /** Requests each connection keeps in flight (HTTP/1.1 pipelining). */
  readonly depth: number;
  readonly users: number;
  readonly streams: number;
}

const STATUS_LINE = /HTTP\/1\.1 (\d{3}) /g;

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick");
  const options: Options = quick
    ? { seconds: 5, connections: 64, depth: 8, users: 5_000, streams: 100 }
    : { seconds: 20, connections: 64, depth: 8, users: 40_000, streams: 1_000 };
  const secret = randomBytes(24).toString("hex");
  const env = deploymentEnv(secret, { LC_IP_RATE_PER_SEC: "1000000", LC_IP_BURST: "1000000", LC_LOG: "quiet", LC_KAFKA_COMPRESSION: process.env.LC_KAFKA_COMPRESSION ?? "none" });
  // LC_BENCH_NODE_ARGS passes flags to the ingest process, e.g. "--cpu-prof" to profile it.
  const ingest = await startRole("ingest", env, READY.ingest, (process.env.LC_BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean));
  try {
    const base = ingest.ready[1]!;
    const port = Number(new URL(base).port);
    const admin = await mintToken(secret, { sub: "bench-admin", scope: "streams:admin" });
    const run = randomBytes(4).toString("hex");
    const streams = Array.from({ length: options.streams }, (_, i) => `bench-${run}-${i}`);
    for (const stream of streams) {
      const created = await fetch(`${base}/v1/streams`, {
        method: "POST",
        headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
        body: JSON.stringify({ stream_id: stream }),
      });
      if (created.status !== 201) throw new Error(`creating ${stream}: ${created.status}`);
    }
    const tokens = await Promise.all(Array.from({ length: options.users }, (_, i) => mintToken(secret, { sub: `viewer-${i}`, name: `Viewer ${i}` })));
    process.stderr.write(`ingest benchmark: ${options.connections} connections x ${options.depth} in flight, ${options.users} users, ${options.streams} streams, ${options.seconds} s\n`);

    const histogram = new Uint32Array(HISTOGRAM_BUCKETS);
    const statuses = new Map<string, number>();
    let next = 0;
    let stopping = false;
    const request = () => {
      const i = next++;
      const body = JSON.stringify({ text: `comment ${i} from the benchmark` });
      return `POST /v1/streams/${streams[i % streams.length]}/comments HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${tokens[i % tokens.length]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    };
    const runConnection = (address: string) =>
      new Promise<void>((resolve) => {
        const socket: Socket = connect({ host: "127.0.0.1", port, localAddress: address });
        const sent: number[] = [];
        let pending = "";
        socket.setNoDelay(true);
        const fill = () => {
          while (!stopping && sent.length < options.depth) {
            sent.push(performance.now());
            socket.write(request());
          }
          if (stopping && sent.length === 0) socket.end();
        };
        socket.on("connect", fill);
        socket.on("data", (chunk: Buffer) => {
          pending += chunk.toString("latin1");
          // Every answer is a small JSON with a Content-Length: count whole responses.
          let match: RegExpExecArray | null;
          let consumed = 0;
          STATUS_LINE.lastIndex = 0;
          while ((match = STATUS_LINE.exec(pending))) {
            const headEnd = pending.indexOf("\r\n\r\n", match.index);
            if (headEnd < 0) break;
            const length = Number(/content-length: (\d+)/i.exec(pending.slice(match.index, headEnd))?.[1] ?? 0);
            if (pending.length < headEnd + 4 + length) break;
            consumed = headEnd + 4 + length;
            STATUS_LINE.lastIndex = consumed;
            const status = match[1]!;
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
            record(histogram, performance.now() - sent.shift()!);
          }
          pending = pending.slice(consumed);
          fill();
        });
        socket.on("close", () => resolve());
        socket.on("error", () => resolve());
      });
    const cpuBefore = cpuSeconds(ingest.process.pid!);
    const clientCpuBefore = process.cpuUsage();
    const started = performance.now();
    const connections = Array.from({ length: options.connections }, (_, i) => runConnection(`127.0.0.${2 + (i % 200)}`));
    await new Promise((resolve) => setTimeout(resolve, options.seconds * 1000));
    stopping = true;
    await Promise.all(connections);
    const elapsed = (performance.now() - started) / 1000;
    const cpu = cpuSeconds(ingest.process.pid!) - cpuBefore;
    const clientUsage = process.cpuUsage(clientCpuBefore);
    const clientCpu = (clientUsage.user + clientUsage.system) / 1e6;
    const accepted = statuses.get("202") ?? 0;
    const rows = [
      ["accepted comments/s", Math.round(accepted / elapsed).toLocaleString("en")],
      ["latency p50 / p90 / p99 / max (ms)", [0.5, 0.9, 0.99, 1].map((f) => percentile(histogram, f)).join(" / ")],
      ["answers by status", [...statuses].map(([status, count]) => `${status}: ${count}`).join(", ")],
      ["ingest CPU s per 1,000 accepted", ((cpu / Math.max(1, accepted)) * 1000).toFixed(3)],
      ["CPU used: ingest / load generator (cores)", `${(cpu / elapsed).toFixed(2)} / ${(clientCpu / elapsed).toFixed(2)}`],
    ];
    process.stdout.write(`\n| figure | value |\n| --- | --- |\n${rows.map(([k, v]) => `| ${k} | ${v} |`).join("\n")}\n`);
  } finally {
    await ingest.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`ingest benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
