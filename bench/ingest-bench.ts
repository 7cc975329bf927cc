// The ingest benchmark: one `livecomments ingest` process on real Kafka, Redis and Cassandra,
// driven by many concurrent clients over raw keep-alive sockets, one request in flight each as
// browsers post, with every limit on (per user, per stream; the per-IP one is raised because
// the clients all come from loopback). Prints accepted comments/s and latency percentiles, the
// latency at half that rate (and how much of it was the log's acknowledgement), and, from a
// bare node:http server in the same run, its answers/s under the same load, its latency at the
// same half rate and the CPU per answer of both at a light 200/s.
//
//   node scripts/engines.mjs run -- node dist/bench/ingest-bench.js [--quick] [--no-review] [--variants-only]
//   (npm run bench:ingest does exactly that)
//
// Then, unless --no-review, what moderation's checks and tracing cost in the same run: ingest with
// no review hook and tracing off, with examples/review-hook on loopback, with 1,000 blocked terms
// per stream, and with OpenTelemetry tracing to an OTLP sink on loopback at 1 % and at 100 %
// sampling. --variants-only runs only that comparison; --tracing only tracing off, 1 % and
// 100 %, five rounds in turn.
//
// LC_BENCH_OPTIONS='{"streams":10,"users":2000,"depth":8}' overrides the load's shape, LC_BENCH_ENV='{"LC_RATE_LIMITS":"off"}'
// adds settings to the ingest process, LC_BENCH_NODE_ARGS="--cpu-prof" passes flags to its node.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import type { Socket } from "node:net";
import { mintToken } from "../core/auth/dev-token.js";
import { READY, deploymentEnv } from "../harness/distributed-system.js";
import type { ResponseHead } from "../harness/raw-http.js";
import { readResponseHead } from "../harness/raw-http.js";
import { startNodeProcess, startRole } from "../harness/role-process.js";
import { PROJECT_ROOT, nodeFlagsFrom } from "../harness/project-root.js";
import { join } from "node:path";
import { BlockedTerms } from "../ingest/text-matching.js";
import { scrape } from "../harness/prometheus-text.js";
import { OtlpReceiver } from "../harness/otlp-receiver.js";
import { tracingCost } from "./tracing-cost.js";
import { HISTOGRAM_BUCKETS, percentile, record } from "./latency-histogram.js";
import { cpuSeconds } from "./process-stats.js";

interface Options {
  seconds: number;
  connections: number;
  /** Requests each connection keeps in flight (above 1: HTTP/1.1 pipelining, which browsers never do). */
  depth: number;
  users: number;
  streams: number;
}

/** The rate of the light-load phase: the distributed benchmark's default. */
const LIGHT_RATE = 200;

/** A paced load: each connection sends one request every `connections / rate` s, timed from when it was due. */
interface Pace {
  readonly rate: number;
}

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick");
  const options: Options = quick
    ? { seconds: 5, connections: 512, depth: 1, users: 5_000, streams: 100 }
    : { seconds: 20, connections: 512, depth: 1, users: 40_000, streams: 1_000 };
  Object.assign(options, JSON.parse(process.env.LC_BENCH_OPTIONS ?? "{}"));
  const secret = randomBytes(24).toString("hex");
  const env = deploymentEnv(secret, {
    LC_IP_RATE_PER_SEC: "1000000",
    LC_IP_BURST: "1000000",
    LC_LOG: "quiet",
    ...(process.env.LC_BENCH_ENV ? JSON.parse(process.env.LC_BENCH_ENV) : {}),
    LC_KAFKA_COMPRESSION: process.env.LC_KAFKA_COMPRESSION ?? "none",
  });
  if (!process.argv.includes("--variants-only")) await headline(secret, env, options);
  if (!process.argv.includes("--no-review")) await variantComparison(secret, env, options);
}

/** One ingest under the full load, beside a bare node:http server measured the same way. */
async function headline(secret: string, env: Record<string, string>, options: Options): Promise<void> {
  const ingest = await startRole("ingest", env, READY.ingest, nodeFlagsFrom("LC_BENCH_NODE_ARGS"));
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
    process.stderr.write(
      `ingest benchmark: ${options.connections} connections x ${options.depth} in flight, ${options.users} users, ${options.streams} streams, ${options.seconds} s\n`,
    );

    let next = 0;
    const request = () => {
      const i = next++;
      const body = JSON.stringify({ text: `comment ${i} from the benchmark` });
      return `POST /v1/streams/${streams[i % streams.length]}/comments HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${tokens[i % tokens.length]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    };
    const cpuBefore = cpuSeconds(ingest.process.pid!);
    const clientCpuBefore = process.cpuUsage();
    const { histogram, statuses, elapsed } = await driveLoad(port, request, options);
    const cpu = cpuSeconds(ingest.process.pid!) - cpuBefore;
    const clientUsage = process.cpuUsage(clientCpuBefore);
    const clientCpu = (clientUsage.user + clientUsage.system) / 1e6;
    const accepted = statuses.get("202") ?? 0;
    const acceptedPerSec = accepted / elapsed;
    // The latency a deployment sized with headroom sees: half the rate just measured, paced.
    const halfRate = Math.max(1, Math.round(acceptedPerSec / 2));
    const appendsBefore = await appendHistogram(base);
    // The later phases: at most 10 s, one request in flight per connection, paced.
    const pacedOptions = { ...options, seconds: Math.min(options.seconds, 10), depth: 1 };
    const paced = await driveLoad(port, request, pacedOptions, { rate: halfRate });
    const pacedAppends = bucketDifference(await appendHistogram(base), appendsBefore);
    const rows: string[][] = [
      ["accepted comments/s", Math.round(acceptedPerSec).toLocaleString("en")],
      ["latency p50 / p90 / p99 / max (ms)", latencySummary(histogram)],
      [`at half that rate (${halfRate.toLocaleString("en")}/s, paced): latency p50 / p90 / p99 / max (ms)`, latencySummary(paced.histogram)],
      [
        "of which waiting for the log's acknowledgement, at half the rate: p50 / p90 / p99 (ms, bucket bounds)",
        [0.5, 0.9, 0.99].map((f) => bucketPercentile(pacedAppends, f)).join(" / "),
      ],
      ["answers by status", [...statuses].map(([status, count]) => `${status}: ${count}`).join(", ")],
      ["ingest CPU s per 1,000 accepted", ((cpu / Math.max(1, accepted)) * 1000).toFixed(3)],
      ["CPU used: ingest / load generator (cores)", `${(cpu / elapsed).toFixed(2)} / ${(clientCpu / elapsed).toFixed(2)}`],
    ];
    // The same load against a bare node:http server that parses the body and answers a 202 of
    // the same size: what this machine allows one Node process before any of ingest's work.
    const bare = await startBareServer();
    try {
      // At a light load every request wakes the processes it passes through, and a wake-up costs
      // more than the work: this is the floor the distributed benchmark's 200/s stands on.
      const ingestLight = await cpuPerAnswer(ingest.process.pid!, () => driveLoad(port, request, pacedOptions, { rate: LIGHT_RATE }));
      const bareLight = await cpuPerAnswer(bare.pid, () => driveLoad(bare.port, request, pacedOptions, { rate: LIGHT_RATE }));
      const bareLoad = await driveLoad(bare.port, request, { ...options, seconds: Math.min(options.seconds, 10) });
      const bareCount = bareLoad.statuses.get("202") ?? 0;
      const barePerSec = bareCount / bareLoad.elapsed;
      rows.push(["bare node:http server, same load (answers/s)", Math.round(barePerSec).toLocaleString("en")]);
      rows.push(["accepted comments/s as a share of the bare server's answers", `${Math.round((100 * acceptedPerSec) / barePerSec)} %`]);
      const barePaced = await driveLoad(bare.port, request, pacedOptions, { rate: halfRate });
      rows.push([`bare node:http server paced at ${halfRate.toLocaleString("en")}/s: latency p50 / p90 / p99 / max (ms)`, latencySummary(barePaced.histogram)]);
      rows.push([
        `at ${LIGHT_RATE}/s, paced: CPU ms per answer, ingest / bare node:http server`,
        `${ingestLight.toFixed(3)} / ${bareLight.toFixed(3)} (${(ingestLight / bareLight).toFixed(1)}x)`,
      ]);
    } finally {
      bare.stop();
    }
    process.stdout.write(`\n| figure | value |\n| --- | --- |\n${rows.map(([k, v]) => `| ${k} | ${v} |`).join("\n")}\n`);
  } finally {
    await ingest.stop();
  }
}

/** Words none of the benchmark's comments hold, as blocked terms and as the hook's list. */
function unusedWords(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `zq${i.toString(36)}blocked`);
}

/**
 * What moderation's checks cost a post, in the same run: ingest with no review hook, with the
 * example review hook on loopback (allowing everything), and with 1,000 blocked terms on every
 * stream and no hook. Each variant is its own ingest process under the same loads; and the
 * matcher alone, in this process, per post.
 */
async function variantComparison(secret: string, env: Record<string, string>, options: Options): Promise<void> {
  const hookPort = 20_000 + Math.floor(Math.random() * 20_000);
  const hook = await startNodeProcess(
    [join(PROJECT_ROOT, "dist", "examples", "review-hook", "review-hook.js")],
    { LC_HOOK_PORT: String(hookPort), LC_HOOK_WORDS: unusedWords(20).join(","), LC_HOOK_NEW_ACCOUNT_S: "0" },
    /listening on/,
    "review-hook",
  );
  const tokens = await Promise.all(Array.from({ length: options.users }, (_, i) => mintToken(secret, { sub: `viewer-${i}`, name: `Viewer ${i}` })));
  const admin = await mintToken(secret, { sub: "bench-admin", scope: "streams:admin" });
  const terms = unusedWords(1_000);
  const sink = new OtlpReceiver();
  sink.mode = "discard";
  const tracing = { OTEL_EXPORTER_OTLP_ENDPOINT: await sink.start(), OTEL_TRACES_SAMPLER: "parentbased_traceidratio" };
  const off = { name: "no review hook, tracing off", env: {}, terms: false };
  const tracedVariants = [
    { name: "tracing, 1 % sampled (OTLP http/protobuf to a sink on loopback)", env: { ...tracing, OTEL_TRACES_SAMPLER_ARG: "0.01" }, terms: false },
    { name: "tracing, 100 % sampled", env: { ...tracing, OTEL_TRACES_SAMPLER_ARG: "1" }, terms: false },
  ];
  // --tracing: tracing off, at 1 % and at 100 %, in turn, TRACING_ROUNDS times, since one run of each moves more than tracing does.
  const variants: { name: string; env: Record<string, string>; terms: boolean }[] = process.argv.includes("--tracing")
    ? Array.from({ length: TRACING_ROUNDS }, () => [off, ...tracedVariants]).flat()
    : [
        off,
        { name: "review hook on loopback (Connect, JSON)", env: { LC_REVIEW_URL: `http://127.0.0.1:${hookPort}` }, terms: false },
        { name: "1,000 blocked terms, no hook", env: {}, terms: true },
        ...tracedVariants,
      ];
  const short = { ...options, seconds: Math.min(options.seconds, 5), depth: 1 };
  const rows: string[][] = [];
  try {
    for (const variant of variants) {
      const ingest = await startRole("ingest", { ...env, ...variant.env }, READY.ingest);
      try {
        const base = ingest.ready[1]!;
        const port = Number(new URL(base).port);
        const run = randomBytes(4).toString("hex");
        const streams = Array.from({ length: Math.min(options.streams, 100) }, (_, i) => `review-${run}-${i}`);
        for (const stream of streams) {
          const headers = { authorization: `Bearer ${admin}`, "content-type": "application/json" };
          await fetch(`${base}/v1/streams`, { method: "POST", headers, body: JSON.stringify({ stream_id: stream }) });
          if (!variant.terms) continue;
          const set = await fetch(`${base}/v1/streams/${stream}/blocked_terms`, { method: "PUT", headers, body: JSON.stringify({ terms }) });
          if (set.status !== 200) throw new Error(`blocked terms of ${stream}: ${set.status}`);
        }
        let next = 0;
        const request = () => {
          const i = next++;
          const body = JSON.stringify({ text: `comment ${i} from the benchmark, about the match` });
          return `POST /v1/streams/${streams[i % streams.length]}/comments HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${tokens[i % tokens.length]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
        };
        const cpuBefore = cpuSeconds(ingest.process.pid!);
        const full = await driveLoad(port, request, short);
        const fullCpuMs = ((cpuSeconds(ingest.process.pid!) - cpuBefore) * 1000) / Math.max(1, full.statuses.get("202") ?? 0);
        const paced = await driveLoad(port, request, short, { rate: REVIEW_PACED_RATE });
        const hookCpuBefore = cpuSeconds(hook.process.pid!);
        const light = await cpuPerAnswer(ingest.process.pid!, () => driveLoad(port, request, short, { rate: LIGHT_RATE }));
        const hookCpuMs = ((cpuSeconds(hook.process.pid!) - hookCpuBefore) * 1000) / Math.max(1, LIGHT_RATE * short.seconds);
        const metrics = await scrape(base);
        const failures = ["timeout", "error", "unspecified", "overloaded"]
          .map((cause) => [cause, metrics.value("livecomments_review_failures_total", { cause })] as const)
          .filter(([, count]) => count > 0);
        const [exported, dropped] = ["exported", "dropped"].map((stat) => metrics.value(`livecomments_trace_spans_${stat}_total`));
        const statuses =
          [...full.statuses].map(([status, count]) => `${status}: ${count}`).join(", ") +
          (failures.length > 0 ? `; review failures (held by the policy): ${failures.map(([cause, count]) => `${cause} ${count}`).join(", ")}` : "") +
          (exported! + dropped! > 0 ? `; spans exported ${exported!.toLocaleString("en")}, dropped ${dropped!.toLocaleString("en")}` : "");
        rows.push([
          variant.name,
          Math.round((full.statuses.get("202") ?? 0) / full.elapsed).toLocaleString("en"),
          fullCpuMs.toFixed(3),
          [0.5, 0.99].map((f) => percentile(paced.histogram, f)).join(" / "),
          light.toFixed(3) + (variant.env.LC_REVIEW_URL !== undefined ? ` (+ ${hookCpuMs.toFixed(3)} in the hook)` : ""),
          statuses,
        ]);
      } finally {
        await ingest.stop();
      }
    }
  } finally {
    await Promise.all([hook.stop(), sink.stop()]);
  }
  const matcher = matcherCost(terms);
  process.stdout.write(
    `\nModeration's checks and tracing, same run (each its own ingest; ${short.connections} connections):\n\n| ingest | accepted/s | CPU ms per accepted post at full load | p50 / p99 at ${REVIEW_PACED_RATE}/s paced (ms) | CPU ms per post at ${LIGHT_RATE}/s | answers |\n| --- | --- | --- | --- | --- | --- |\n` +
      rows.map((row) => `| ${row.join(" | ")} |`).join("\n") +
      `\n\nBlocked terms matched in this process, per post of ${MATCHED_TEXT.length} characters: ${matcher.none.toFixed(2)} µs with no terms, ${matcher.thousand.toFixed(2)} µs with 1,000 (compiled once: ${matcher.compileMs.toFixed(1)} ms)\n`,
  );
  process.stdout.write(await tracingCost());
}

/** Rounds of the tracing comparison (--tracing). */
const TRACING_ROUNDS = 5;

/** The paced rate of the review comparison: well under what one ingest takes, so latency is not queueing. */
const REVIEW_PACED_RATE = 1_000;
const MATCHED_TEXT = "what a goal from the edge of the box, the keeper had no chance at all";

/** Microseconds per post the blocked-terms matcher costs, without terms and with these. */
function matcherCost(terms: readonly string[]): { none: number; thousand: number; compileMs: number } {
  const rounds = 200_000;
  const time = (matcher: BlockedTerms) => {
    let found = 0;
    for (let i = 0; i < 10_000; i++) if (matcher.matches(MATCHED_TEXT)) found++;
    const started = performance.now();
    for (let i = 0; i < rounds; i++) if (matcher.matches(MATCHED_TEXT + (i & 7))) found++;
    if (found > 0) throw new Error("the benchmark's text matched a term");
    return ((performance.now() - started) * 1000) / rounds;
  };
  const compileStarted = performance.now();
  const compiled = new BlockedTerms(terms);
  const compileMs = performance.now() - compileStarted;
  return { none: time(new BlockedTerms([])), thousand: time(compiled), compileMs };
}

/** Ingest's histogram of log append times, from its /metrics: cumulative counts by upper bound in ms. */
async function appendHistogram(base: string): Promise<Map<number, number>> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const buckets = new Map<number, number>();
  for (const [, le, count] of text.matchAll(/^livecomments_log_append_duration_seconds_bucket\{le="([^"]+)"[^}]*\} (\d+)$/gm)) {
    buckets.set(le === "+Inf" ? Infinity : Number(le) * 1000, Number(count));
  }
  return buckets;
}

function bucketDifference(after: Map<number, number>, before: Map<number, number>): Map<number, number> {
  return new Map([...after].map(([le, count]) => [le, count - (before.get(le) ?? 0)]));
}

/** The upper bound of the bucket holding the fraction `f` of a cumulative histogram. */
function bucketPercentile(cumulative: Map<number, number>, f: number): string {
  const total = cumulative.get(Infinity) ?? 0;
  if (total === 0) return "-";
  const bounds = [...cumulative.keys()].sort((a, b) => a - b);
  const le = bounds.find((bound) => cumulative.get(bound)! >= f * total)!;
  return le === Infinity ? `> ${bounds.at(-2)!.toLocaleString("en")}` : `≤ ${le}`;
}

/** p50 / p90 / p99 / max of a latency histogram, in ms. */
function latencySummary(histogram: Uint32Array): string {
  return [0.5, 0.9, 0.99, 1].map((f) => percentile(histogram, f)).join(" / ");
}

/**
 * Drives `options.connections` keep-alive sockets with `options.depth` pipelined requests each,
 * as fast as they are answered, or paced at `pace.rate` in all (latency then counts from when a
 * request was due, so a slow answer that delays the next request is not hidden).
 */
async function driveLoad(
  port: number,
  request: () => string,
  options: Options,
  pace?: Pace,
): Promise<{ histogram: Uint32Array; statuses: Map<string, number>; elapsed: number }> {
  const histogram = new Uint32Array(HISTOGRAM_BUCKETS);
  const statuses = new Map<string, number>();
  let stopping = false;
  const runConnection = (address: string) =>
    new Promise<void>((resolve) => {
      const socket: Socket = connect({ host: "127.0.0.1", port, localAddress: address });
      const sent: number[] = [];
      let pending = "";
      socket.setNoDelay(true);
      const interval = pace ? (options.connections * 1000) / pace.rate : 0;
      let due = performance.now() + Math.random() * interval;
      let waiting: NodeJS.Timeout | undefined;
      const fill = () => {
        while (!stopping && sent.length < options.depth) {
          if (pace) {
            const now = performance.now();
            if (due > now) {
              waiting ??= setTimeout(() => ((waiting = undefined), fill()), due - now);
              break;
            }
            sent.push(due);
            due += interval;
          } else sent.push(performance.now());
          socket.write(request());
        }
        if (stopping && sent.length === 0) socket.end();
      };
      socket.on("connect", fill);
      socket.on("data", (chunk: Buffer) => {
        pending += chunk.toString("latin1");
        // Every answer is a small JSON with a Content-Length: count whole responses.
        let consumed = 0;
        let head: ResponseHead | undefined;
        while ((head = readResponseHead(pending, consumed))) {
          const end = head.bodyStart + (head.contentLength ?? 0);
          if (pending.length < end) break;
          consumed = end;
          statuses.set(String(head.status), (statuses.get(String(head.status)) ?? 0) + 1);
          record(histogram, performance.now() - sent.shift()!);
        }
        pending = pending.slice(consumed);
        fill();
      });
      socket.on("close", () => resolve());
      socket.on("error", () => resolve());
    });
  const started = performance.now();
  const connections = Array.from({ length: options.connections }, (_, i) => runConnection(`127.0.0.${2 + (i % 200)}`));
  await new Promise((resolve) => setTimeout(resolve, options.seconds * 1000));
  stopping = true;
  await Promise.all(connections);
  return { histogram, statuses, elapsed: (performance.now() - started) / 1000 };
}

/** CPU ms a process spent per answer of a load. */
async function cpuPerAnswer(pid: number, load: () => Promise<{ statuses: Map<string, number> }>): Promise<number> {
  const before = cpuSeconds(pid);
  const { statuses } = await load();
  const answers = [...statuses.values()].reduce((sum, count) => sum + count, 0);
  return ((cpuSeconds(pid) - before) * 1000) / Math.max(1, answers);
}

/** A node:http server in its own process that reads each JSON body and answers 202. */
async function startBareServer(): Promise<{ port: number; pid: number; stop(): void }> {
  const script = `
    const { createServer } = require("node:http");
    const answer = JSON.stringify({ comment_id: "0190aaaa-bbbb-7ccc-8ddd-eeeeffff0000", seq: 123456, server_ts: Date.now(), offset_ms: 12345 });
    const server = createServer((req, res) => {
      const chunks = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => {
        JSON.parse(Buffer.concat(chunks).toString("utf8"));
        res.writeHead(202, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(answer) }).end(answer);
      });
    });
    server.listen(0, "0.0.0.0", () => process.stdout.write(server.address().port + "\\n"));`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once("exit", () => reject(new Error("the bare server exited")));
  });
  return { port, pid: child.pid!, stop: () => child.kill() };
}

main().catch((error: unknown) => {
  process.stderr.write(`ingest benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
