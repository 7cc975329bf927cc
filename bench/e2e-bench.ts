// End to end in the distributed mode: ingest -> Kafka -> relay -> edge, the archive writing
// alongside, on engines of the run's own. Posts round-robin over many streams at a fixed rate
// with each comment's per-stream index and send time; SSE viewers in swarm processes record the
// latency from the POST to the event. Prints what was accepted, the latency percentiles, what
// viewers missed, and the CPU of every role.
//
//   npm run bench:e2e                                   5,000 comments/s over 1,000 streams, 20,000 viewers, 20 s
//   npm run bench:e2e -- --rate 1000 --streams 200 --viewers 4000 --seconds 10 [--warm 10] [--warm-up 60] [--edge-workers 2] [--trace] [--fetch-linger MS]
//   npm run bench:e2e -- --idle --streams 1000 --viewers 20000 --seconds 30   the cost at rest: viewers connected, no comments
import { Agent, request } from "node:http";
import { cpus } from "node:os";
import { DEPLOYMENT_KEYSPACE, startDeployment } from "../harness/faults/deployment.js";
import { mergeHistograms, percentile } from "./latency-histogram.js";
import { stageTable } from "./stage-trace.js";
import { cpuSeconds, machineCpuSeconds } from "./process-stats.js";
import { Swarm, VIEWERS_PER_SWARM } from "./swarm.js";
import { LAG_POLL_MS, SETTLE_MS } from "../archive/defaults.js";
import { DEFAULT_HEARTBEAT_MS } from "../edge/defaults.js";
import { cassandraTableCounts, tableWorkPer } from "./cassandra-table-counts.js";
import type { SwarmReport } from "./viewer-swarm.js";

interface Options {
  readonly rate: number;
  readonly streams: number;
  readonly viewers: number;
  readonly seconds: number;
  /** Seconds between the last viewer connecting and the first post. */
  readonly warm: number;
  readonly edgeWorkers: number;
  /** Seconds of posting at the rate before the measured phase, so the engines' JITs are warm. */
  readonly warmUp: number;
  /** Roles log every comment (LC_LOG=debug), and the report says where the time went. */
  readonly trace: boolean;
  /** No comments: the CPU the roles and engines spend per second with the viewers connected. */
  readonly idle: boolean;
  /** LC_KAFKA_FETCH_LINGER_MS of the roles that consume the log, when given. */
  readonly fetchLingerMs: number | undefined;
}

function parseOptions(args: readonly string[]): Options {
  const value = (name: string, fallback: number) => {
    const i = args.indexOf(`--${name}`);
    const parsed = i >= 0 ? Number(args[i + 1]) : fallback;
    if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`--${name} must be a positive number`);
    return parsed;
  };
  return {
    rate: value("rate", 5_000),
    streams: value("streams", 1_000),
    viewers: value("viewers", 20_000),
    seconds: value("seconds", 20),
    warm: value("warm", 10),
    edgeWorkers: value("edge-workers", 2),
    warmUp: args.includes("--warm-up") ? value("warm-up", 0) : 0,
    trace: args.includes("--trace"),
    idle: args.includes("--idle"),
    fetchLingerMs: args.includes("--fetch-linger") ? Number(args[args.indexOf("--fetch-linger") + 1]) : undefined,
  };
}

/** Comments posted and refused; posts go round-robin over the streams, with up to 2,000 in flight. */
interface PostOutcome {
  accepted: number;
  refused: Record<string, number>;
}

/**
 * Posts `seconds` x `rate` comments round-robin over the streams, each marked with its index in
 * its stream plus `firstIndex` and its send time (viewers ignore indexes past what they expect).
 */
async function post(
  ingestUrl: string,
  streams: readonly string[],
  tokens: readonly string[],
  options: Pick<Options, "rate" | "seconds">,
  firstIndex = 0,
): Promise<PostOutcome> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const outcome: PostOutcome = { accepted: 0, refused: {} };
  const refuse = (reason: string) => (outcome.refused[reason] = (outcome.refused[reason] ?? 0) + 1);
  const total = options.rate * options.seconds;
  const started = Date.now();
  let inFlight = 0;
  let settled: () => void = () => {};
  const { hostname, port } = new URL(ingestUrl);
  for (let n = 0; n < total; n++) {
    const due = started + (n * 1000) / options.rate;
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    while (inFlight >= 2_000) await new Promise<void>((resolve) => (settled = resolve));
    const streamId = streams[n % streams.length]!;
    const body = JSON.stringify({ text: `b${firstIndex + Math.floor(n / streams.length)}@${Date.now()}` });
    inFlight++;
    const done = () => (inFlight--, settled());
    // A keep-alive connection the server closed as it was reused resets the request: sent again
    // once, as a client would, under the same Idempotency-Key so it cannot land twice.
    const headers = {
      authorization: `Bearer ${tokens[n % tokens.length]}`,
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(body)),
      "idempotency-key": `e2e-${firstIndex}-${n}`,
    };
    const send = (retried: boolean) => {
      const req = request({ hostname, port, agent, method: "POST", path: `/v1/streams/${streamId}/comments`, headers }, (res) => {
        res.resume();
        res.on("end", () => {
          if (res.statusCode === 202) outcome.accepted++;
          else refuse(String(res.statusCode));
          done();
        });
      });
      req.on("error", (error: Error & { code?: string }) => {
        if (error.code === "ECONNRESET" && !retried) return send(true);
        refuse(error.code ?? "error");
        done();
      });
      req.end(body);
    };
    send(false);
  }
  while (inFlight > 0) await new Promise<void>((resolve) => (settled = resolve));
  agent.destroy();
  return outcome;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const started = Date.now();
  const say = (line: string) => process.stderr.write(`[${Math.round((Date.now() - started) / 1000)} s] ${line}\n`);
  const perStream = Math.ceil((options.rate * options.seconds) / options.streams);
  // Everyone posts at about 1/s, the per-user limit; viewers per edge worker stay under the
  // open-file limit (two workers share the edge's port).
  const users = Math.max(100, Math.ceil(options.rate * 1.5));
  const traceEnv: Record<string, string> = options.trace ? { LC_LOG: "debug" } : {};
  // --fetch-linger is the relay's; the archive has its own, LC_ARCHIVE_FETCH_LINGER_MS, at its default.
  const relayConsumerEnv: Record<string, string> = options.fetchLingerMs === undefined ? {} : { LC_KAFKA_FETCH_LINGER_MS: String(options.fetchLingerMs) };
  const deployment = await startDeployment({
    streams: options.streams,
    posters: users,
    viewers: 0,
    say,
    roleEnv: {
      edge: {
        ...traceEnv,
        LC_WORKERS: String(options.edgeWorkers),
        LC_MAX_VIEWERS: "15000",
        LC_MAX_CONNECTIONS: "15000",
        LC_SSE_HEARTBEAT_MS: String(DEFAULT_HEARTBEAT_MS),
        LC_VIEWER_MAX_RATE: "1000",
      },
      ingest: { ...traceEnv, LC_STREAM_RATE_PER_SEC: "100000", LC_STREAM_BURST: "100000" },
      relay: { ...traceEnv, ...relayConsumerEnv },
      // The product's defaults (the log's lag polled every 2 s), not the fault suite's 200 ms:
      // a benchmark measures what a deployment costs.
      archive: { LC_ARCHIVE_LAG_POLL_MS: String(LAG_POLL_MS), LC_ARCHIVE_SETTLE_MS: String(SETTLE_MS) },
    },
  });
  const swarms: Swarm[] = [];
  try {
    say(`opening ${options.viewers.toLocaleString("en")} SSE viewers over ${options.streams} streams`);
    const perSwarm = Math.min(VIEWERS_PER_SWARM, Math.ceil(options.viewers / Math.ceil(options.viewers / VIEWERS_PER_SWARM)));
    let connected = 0;
    for (let first = 0; first < options.viewers; first += perSwarm) {
      const swarm = Swarm.start();
      swarms.push(swarm);
      const count = Math.min(perSwarm, options.viewers - first);
      // Viewer v watches stream v mod streams, so every stream has the same number of viewers.
      const opens = [];
      for (let s = 0; s < options.streams; s++) {
        const onThisStream = Math.floor((first + count - 1 - s) / options.streams) - Math.ceil((first - s) / options.streams) + 1;
        if (onThisStream <= 0) continue;
        const path = `/v1/streams/${deployment.streams[s]}/comments/subscribe`;
        opens.push(swarm.open({ type: "open", port: deployment.edgePort, path, count: onThisStream, firstAddress: first + s, expected: perStream }));
      }
      connected += (await Promise.all(opens)).reduce((sum, o) => sum + o.connected, 0);
    }
    say(
      `${connected.toLocaleString("en")} viewers connected; ${options.idle ? "measuring at rest" : `posting ${options.rate}/s`} for ${options.seconds} s after ${options.warm} s`,
    );
    await new Promise((resolve) => setTimeout(resolve, options.warm * 1000));
    if (options.warmUp > 0) {
      say(`warming up: ${options.rate}/s for ${options.warmUp} s, not measured`);
      await post(deployment.ingestUrl, deployment.streams, deployment.tokens, { rate: options.rate, seconds: options.warmUp }, perStream);
    }
    const roles = Object.values(deployment.roles);
    const cpuBefore = roles.map((role) => cpuSeconds(role.process!.process.pid!));
    // The rest of the machine: engines, viewer swarms, this process (the poster).
    const others: { name: string; pids: (number | undefined)[] }[] = [
      ...[deployment.engines.kafka, deployment.engines.cassandra, deployment.engines.redis].map((engine) => ({ name: engine.name, pids: [engine.pid] })),
      { name: "viewer swarms", pids: swarms.map((swarm) => swarm.pid) },
    ];
    const otherCpu = (): number[] => others.map((other) => other.pids.reduce<number>((sum, pid) => sum + (pid === undefined ? 0 : cpuSeconds(pid)), 0));
    const otherBefore = otherCpu();
    const cassandraEnv = deployment.engines.cassandra.env;
    const tablesBefore = await cassandraTableCounts(cassandraEnv, DEPLOYMENT_KEYSPACE);
    const posterBefore = process.cpuUsage();
    const machineBefore = machineCpuSeconds();
    if (options.idle) {
      await new Promise((resolve) => setTimeout(resolve, options.seconds * 1000));
      const perSecond = (seconds: number) => `${((100 * seconds) / options.seconds).toFixed(1)} %`;
      const roleCpu = roles.map((role, i) => cpuSeconds(role.process!.process.pid!) - cpuBefore[i]!);
      const engineCpu = otherCpu().map((seconds, i) => seconds - (otherBefore[i] ?? 0));
      const tablesAtRest = await cassandraTableCounts(cassandraEnv, DEPLOYMENT_KEYSPACE);
      process.stdout.write(
        [
          "",
          `At rest: ${connected.toLocaleString("en")} viewers on ${options.streams} streams, no comments, ${options.seconds} s. CPU as a share of one core:`,
          "",
          `| ${roles.map((role) => role.role).join(" | ")} | roles together | ${others.map((other) => other.name).join(" | ")} |`,
          `| ${[...roles, {}, ...others].map(() => "---").join(" | ")} |`,
          `| ${roleCpu.map(perSecond).join(" | ")} | ${perSecond(roleCpu.reduce((a, b) => a + b, 0))} | ${engineCpu.map(perSecond).join(" | ")} |`,
          "",
          `Cassandra's work per second at rest, by table: ${tableWorkPer(tablesBefore, tablesAtRest, options.seconds) || "none"}`,
          "",
        ].join("\n"),
      );
      return;
    }
    const postStarted = Date.now();
    const outcome = await post(deployment.ingestUrl, deployment.streams, deployment.tokens, options);
    const postSeconds = (Date.now() - postStarted) / 1000;
    // Late comments are late, not lost: wait until every viewer has every comment, or nothing
    // arrived for 10 s, or 60 s passed.
    let reports: SwarmReport[] = [];
    let delivered = -1;
    let grewAt = Date.now();
    const settleDeadline = Date.now() + 60_000;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      reports = await Promise.all(swarms.map((swarm) => swarm.report()));
      const now = reports.reduce((sum, r) => sum + r.deliveries, 0);
      if (now !== delivered) grewAt = Date.now();
      delivered = now;
      if (now >= connected * perStream || Date.now() - grewAt > 10_000 || Date.now() > settleDeadline) break;
    }
    const cpu = roles.map((role, i) => cpuSeconds(role.process!.process.pid!) - cpuBefore[i]!);
    const tablesAfter = await cassandraTableCounts(cassandraEnv, DEPLOYMENT_KEYSPACE);
    const otherUsed = otherCpu().map((seconds, i) => seconds - (otherBefore[i] ?? 0));
    const poster = process.cpuUsage(posterBefore);
    const machineAfter = machineCpuSeconds();
    const machineBusy = machineAfter.busy - machineBefore.busy;
    const machineTotal = machineAfter.total - machineBefore.total;
    const histogram = mergeHistograms(reports.map((report) => report.histogram));
    const perComment = (seconds: number) => ((seconds * 1000) / Math.max(1, outcome.accepted)).toFixed(2);
    const deliveries = reports.reduce((sum, r) => sum + r.deliveries, 0);
    const duplicates = reports.reduce((sum, r) => sum + r.duplicates, 0);
    const closedByServer = reports.reduce((sum, r) => sum + r.closed, 0);
    const resets = reports.reduce((sum, r) => sum + r.resets, 0);
    const missingOfAccepted = options.rate * options.seconds === outcome.accepted ? reports.reduce((sum, r) => sum + r.missing, 0) : NaN;
    process.stdout.write(
      [
        "",
        `| load | accepted | refused | accepted/s | viewers | deliveries | latency p50 / p90 / p99 / p99.9 (ms) | missing | duplicated |`,
        `| --- | --- | --- | --- | --- | --- | --- | --- | --- |`,
        `| ${options.rate}/s over ${options.streams} streams, ${options.seconds} s | ${outcome.accepted.toLocaleString("en")} | ${JSON.stringify(outcome.refused)} | ${Math.round(outcome.accepted / postSeconds).toLocaleString("en")} | ${connected.toLocaleString("en")} | ${deliveries.toLocaleString("en")} | ${percentile(histogram, 0.5)} / ${percentile(histogram, 0.9)} / ${percentile(histogram, 0.99)} / ${percentile(histogram, 0.999)} | ${Number.isNaN(missingOfAccepted) ? "n/a (some posts refused)" : missingOfAccepted} | ${duplicates} |`,
        "",
        `viewers missing comments: ${reports.reduce((sum, r) => sum + r.viewersMissing, 0)}, of which only a head (the first comments of their stream): ${reports.reduce((sum, r) => sum + r.viewersMissingHead, 0)}, only a tail (late or cut off): ${reports.reduce((sum, r) => sum + r.viewersMissingTail, 0)}`,
        `viewers the server closed during the run (a swarm viewer does not reconnect, so it misses what followed): ${closedByServer}; \`reset\` events received (a swarm viewer does not reload, so it misses the gap): ${resets}`,
        `CPU ms per accepted comment: ${roles.map((role, i) => `${role.role} ${perComment(cpu[i]!)}`).join(", ")}, the four roles together ${perComment(cpu.reduce((a, b) => a + b, 0))}; ${others
          .slice(0, 3)
          .map((other, i) => `${other.name} ${perComment(otherUsed[i]!)}`)
          .join(", ")}`,
        `Cassandra's work per accepted comment, by table (its own counts): ${tableWorkPer(tablesBefore, tablesAfter, outcome.accepted)}`,
        `CPU seconds over the ${(machineTotal / cpus().length).toFixed(1)} s of posting and the wait for the last deliveries: ${roles.map((role, i) => `${role.role} ${cpu[i]!.toFixed(1)}`).join(", ")}; ${others.map((other, i) => `${other.name} ${otherUsed[i]!.toFixed(1)}`).join(", ")}, poster ${((poster.user + poster.system) / 1e6).toFixed(1)}; the machine was busy ${machineBusy.toFixed(1)} of ${machineTotal.toFixed(1)} CPU seconds (${Math.round((100 * machineBusy) / machineTotal)}%)`,
        "",
        ...(options.trace
          ? [
              "Where the time went (from the roles' debug lines):",
              "",
              stageTable(Object.fromEntries(roles.map((role) => [role.role, role.process!.output()]))),
              "",
            ]
          : []),
      ].join("\n"),
    );
  } finally {
    for (const swarm of swarms) swarm.close();
    await deployment.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`e2e benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
