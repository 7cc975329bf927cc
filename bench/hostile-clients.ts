// Slow and hostile clients against the one-process system with its default limits: healthy SSE
// viewers watch a busy stream for a calm phase, then for a hostile phase in which viewers that
// never read or read a byte a second, floods of connections and slowloris posters (HTTP/1.1 and
// HTTP/2) join. Prints the healthy viewers' latency in both phases (same run, so the ratio is
// what counts), what the server did to each kind of hostile client, and its memory.
//
//   npm run bench:hostile            about 2 minutes
//   npm run bench:hostile -- --quick about 1 minute, smaller counts
import { fork } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startLiveComments } from "./bench-targets.js";
import type { HostileOutcome, HostilePlan } from "./hostile-load.js";
import type { HostileCommand, HostileReply } from "./hostile-swarm.js";
import { percentile } from "./latency-histogram.js";
import { rssBytes } from "./process-stats.js";
import { askChild } from "./ask.js";
import { postAtRate, Swarm } from "./swarm.js";
import type { SwarmReport } from "./viewer-swarm.js";

const PORT = 18_950;
/**
 * Comments per second on the watched stream, each about 1.7 KB: 170 KB/s to every viewer (what
 * 500 comments/s of a typical size would be), so that a viewer that stops reading fills the
 * kernel's buffers (a loopback socket's send buffer grows to 4 MiB) and then its own 1 MiB limit
 * within the hostile phase.
 */
const RATE = 100;
const PADDING = ` ${"x".repeat(1_500)}`;

const HOSTILE_SWARM = join(dirname(fileURLToPath(import.meta.url)), "hostile-swarm.js");

interface Plan extends HostilePlan {
  readonly healthy: number;
  readonly calmSeconds: number;
  readonly hostileSeconds: number;
}

const FULL: Plan = {
  healthy: 300,
  calmSeconds: 20,
  hostileSeconds: 60,
  neverReading: 300,
  oneBytePerSecond: 100,
  silentConnections: 3_000,
  fromOneAddress: 1_000,
  slowHeads: 300,
  slowBodies: 300,
  http2Sessions: 20,
};

const QUICK: Plan = {
  ...FULL,
  healthy: 100,
  calmSeconds: 10,
  hostileSeconds: 30,
  neverReading: 100,
  oneBytePerSecond: 50,
  silentConnections: 1_000,
  fromOneAddress: 600,
  slowHeads: 100,
  slowBodies: 100,
  http2Sessions: 5,
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function latencies(report: SwarmReport, before?: SwarmReport): { p50: number; p90: number; p99: number; max: number; count: number } {
  const histogram = report.histogram.map((count, i) => count - (before?.histogram[i] ?? 0));
  let max = 0;
  histogram.forEach((count, i) => count > 0 && (max = i));
  const count = histogram.reduce((sum, n) => sum + n, 0);
  return { p50: percentile(histogram, 0.5), p90: percentile(histogram, 0.9), p99: percentile(histogram, 0.99), max, count };
}

function statuses(outcome: HostileOutcome): string {
  const entries = Object.entries(outcome.statuses);
  return entries.length ? entries.map(([status, n]) => `${n} x ${status}`).join(", ") : "-";
}

async function main(): Promise<void> {
  const plan = process.argv.includes("--quick") ? QUICK : FULL;
  const say = (line: string) => process.stderr.write(`${line}\n`);
  // Default viewer, connection and request limits: only the post rate limits are opened.
  const target = await startLiveComments(PORT, 150, {
    LC_MAX_VIEWERS: "15000",
    LC_MAX_VIEWERS_PER_IP: "500",
    LC_MAX_CONNECTIONS: "15000",
    LC_MAX_TEXT_CHARS: "2000",
  });
  const swarm = Swarm.start();
  const hostile = fork(HOSTILE_SWARM, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const ask = <T extends HostileReply["type"]>(command: HostileCommand, reply: T) => askChild<Extract<HostileReply, { type: T }>>(hostile, command, reply);
  try {
    const expected = RATE * (plan.calmSeconds + plan.hostileSeconds);
    const { connected } = await swarm.open({ type: "open", port: target.port, path: target.subscribePath, count: plan.healthy, firstAddress: 0, expected });
    say(`${connected} healthy viewers; ${RATE} comments/s of ~1.7 KB; calm ${plan.calmSeconds} s, then hostile ${plan.hostileSeconds} s`);
    const rss = { calm: 0, hostile: 0 };
    let phase: keyof typeof rss = "calm";
    const sampler = setInterval(() => (rss[phase] = Math.max(rss[phase], rssBytes(target.pid))), 250);
    const posting = postAtRate(target, expected, RATE, 0, PADDING);

    await sleep(plan.calmSeconds * 1000);
    const calm = await swarm.report();
    phase = "hostile";
    const hostileTarget = { port: target.port, subscribePath: target.subscribePath, postPath: "/v1/streams/bench/comments", token: target.posterToken };
    const { tookMs } = await ask({ type: "open", target: hostileTarget, plan }, "opened");
    say(`hostile clients join (opening them took their process ${tookMs} ms)`);
    // The healthy viewers' p99 every 5 s, to see which moment of the hostile phase costs what.
    const windows: number[] = [];
    let previous = calm;
    const windowTimer = setInterval(() => {
      void swarm.report().then((report) => {
        windows.push(latencies(report, previous).p99);
        previous = report;
      });
    }, 5_000);
    await posting;
    clearInterval(windowTimer);
    await sleep(2_000);
    const end = await swarm.report();
    clearInterval(sampler);
    const { outcomes } = await ask({ type: "stop" }, "stopped");
    await sleep(3_000);
    const rssAfter = rssBytes(target.pid);

    const calmLatency = latencies(calm);
    const hostileLatency = latencies(end, calm);
    const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
    process.stdout.write(
      [
        "",
        "| healthy viewers | deliveries | latency p50 / p90 / p99 / max (ms) |",
        "| --- | --- | --- |",
        `| calm (${plan.calmSeconds} s) | ${calmLatency.count.toLocaleString("en")} | ${calmLatency.p50} / ${calmLatency.p90} / ${calmLatency.p99} / ${calmLatency.max} |`,
        `| with hostile clients (${plan.hostileSeconds} s) | ${hostileLatency.count.toLocaleString("en")} | ${hostileLatency.p50} / ${hostileLatency.p90} / ${hostileLatency.p99} / ${hostileLatency.max} |`,
        "",
        `healthy viewers' p99 (ms) in each 5 s of the hostile phase: ${windows.join(", ")}`,
        "",
        `healthy viewers: ${end.connected} connected, ${end.closed} closed by the server, ${end.missing} comments missing, ${end.duplicates} duplicated; p99 ratio hostile/calm ${(hostileLatency.p99 / calmLatency.p99).toFixed(2)}`,
        "",
        "| hostile clients | opened | answers | ended by the server | median time to the end (ms) |",
        "| --- | --- | --- | --- | --- |",
        ...outcomes.map((o) => `| ${o.kind} | ${o.opened} | ${statuses(o)} | ${o.closedByServer} | ${o.medianCloseMs ?? "-"} |`),
        "",
        `server RSS MiB: calm max ${mib(rss.calm)}, hostile max ${mib(rss.hostile)}, after the hostile clients left ${mib(rssAfter)}`,
        "",
      ].join("\n"),
    );
  } finally {
    hostile.kill();
    swarm.close();
    await target.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`hostile-clients benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
