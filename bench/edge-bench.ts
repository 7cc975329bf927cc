// The edge benchmark: SSE viewers on raw sockets against Live Comments and against nginx +
// nchan, the same workloads in the same run, so every comparison is a ratio measured side by
// side. Prints deliveries/s, latency percentiles, missing and duplicate comments, RSS per
// connection and CPU seconds per million deliveries of the server process.
//
//   npm run bench:edge            the full set (a few minutes)
//   npm run bench:edge -- --quick one small workload per target
import { fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchTarget } from "./bench-targets.js";
import { startLiveComments, startNchan } from "./bench-targets.js";
import { HISTOGRAM_BUCKETS, percentile } from "./latency-histogram.js";
import { cpuSeconds, rssBytes } from "./process-stats.js";
import type { SwarmCommand, SwarmReport } from "./viewer-swarm.js";

const SWARM = join(dirname(fileURLToPath(import.meta.url)), "viewer-swarm.js");
/** Viewers per swarm process, under the 20,000 open files a process may have here. */
const VIEWERS_PER_SWARM = 9_000;
const PORT = 18_900;

interface Workload {
  readonly viewers: number;
  /** Comments per second; 0 for an idle run that only measures memory. */
  readonly rate: number;
  readonly seconds: number;
}

interface Result extends Workload {
  readonly target: string;
  readonly connected: number;
  readonly deliveries: number;
  readonly deliveriesPerSecond: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly missing: number;
  readonly duplicates: number;
  readonly rssPerViewerKiB: number;
  readonly cpuPerMillion: number;
  /** CPU per million deliveries less what the same posts cost with no viewer at all. */
  readonly fanoutCpuPerMillion: number;
}

class Swarm {
  private constructor(private readonly child: ChildProcess) {}

  static start(): Swarm {
    return new Swarm(fork(SWARM, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] }));
  }

  private ask<T>(command: SwarmCommand, reply: string): Promise<T> {
    return new Promise((resolve) => {
      const onMessage = (message: { type: string }) => {
        if (message.type !== reply) return;
        this.child.off("message", onMessage);
        resolve(message as T);
      };
      this.child.on("message", onMessage);
      this.child.send(command);
    });
  }

  open(command: Extract<SwarmCommand, { type: "open" }>): Promise<{ connected: number; failed: number }> {
    return this.ask(command, "opened");
  }

  report(): Promise<SwarmReport> {
    return this.ask({ type: "report" }, "report");
  }

  close(): void {
    this.child.send({ type: "close" });
  }
}

/** Posts `count` comments at `rate` per second, each carrying its index and send time. */
async function postAtRate(target: BenchTarget, count: number, rate: number, firstIndex = 0): Promise<void> {
  const started = Date.now();
  const posts: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    posts.push(target.publish(`b${firstIndex + i}@${Date.now()}`));
  }
  await Promise.all(posts);
}

/** The CPU the server spends on the posts alone (ingest, log, archive), with nobody watching. */
async function baselineCpu(target: BenchTarget, workload: Workload): Promise<number> {
  const before = cpuSeconds(target.pid);
  await postAtRate(target, Math.round(workload.rate * workload.seconds), workload.rate, 1_000_000);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  return cpuSeconds(target.pid) - before;
}

async function run(target: BenchTarget, workload: Workload): Promise<Result> {
  const expected = Math.round(workload.rate * workload.seconds);
  const swarms: Swarm[] = [];
  const baseline = workload.rate > 0 ? await baselineCpu(target, workload) : 0;
  await new Promise((resolve) => setTimeout(resolve, 2_000)); // let the baseline's garbage go first
  const rssBefore = rssBytes(target.pid);
  try {
    const opened = [];
    for (let first = 0; first < workload.viewers; first += VIEWERS_PER_SWARM) {
      const swarm = Swarm.start();
      swarms.push(swarm);
      const count = Math.min(VIEWERS_PER_SWARM, workload.viewers - first);
      opened.push(swarm.open({ type: "open", port: target.port, path: target.subscribePath, count, firstAddress: first, expected }));
    }
    const connected = (await Promise.all(opened)).reduce((sum, o) => sum + o.connected, 0);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const rssPerViewerKiB = (rssBytes(target.pid) - rssBefore) / 1024 / Math.max(1, connected);

    const cpuBefore = cpuSeconds(target.pid);
    const started = Date.now();
    await postAtRate(target, expected, workload.rate);
    const deadline = Date.now() + 5_000;
    let reports: SwarmReport[] = [];
    for (;;) {
      reports = await Promise.all(swarms.map((s) => s.report()));
      const delivered = reports.reduce((sum, r) => sum + r.deliveries, 0);
      if (delivered >= connected * expected || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const elapsed = (Date.now() - started) / 1000;
    const cpu = cpuSeconds(target.pid) - cpuBefore;
    const histogram = new Array<number>(HISTOGRAM_BUCKETS).fill(0);
    for (const report of reports) report.histogram.forEach((count, i) => (histogram[i]! += count));
    const deliveries = reports.reduce((sum, r) => sum + r.deliveries, 0);
    return {
      ...workload,
      target: target.name,
      connected,
      deliveries,
      deliveriesPerSecond: deliveries / elapsed,
      p50: percentile(histogram, 0.5),
      p90: percentile(histogram, 0.9),
      p99: percentile(histogram, 0.99),
      missing: reports.reduce((sum, r) => sum + r.missing, 0),
      duplicates: reports.reduce((sum, r) => sum + r.duplicates, 0),
      rssPerViewerKiB,
      cpuPerMillion: deliveries > 0 ? (cpu / deliveries) * 1e6 : NaN,
      fanoutCpuPerMillion: deliveries > 0 ? (Math.max(0, cpu - baseline) / deliveries) * 1e6 : NaN,
    };
  } finally {
    for (const swarm of swarms) swarm.close();
  }
}

const TARGETS: Record<string, (port: number) => Promise<BenchTarget>> = {
  "lc-150": (port) => startLiveComments(port, 150),
  "lc-0": (port) => startLiveComments(port, 0),
  nchan: (port) => startNchan(port),
};

async function measure(targetKey: string, workload: Workload, port: number): Promise<Result> {
  const target = await TARGETS[targetKey]!(port);
  try {
    process.stderr.write(`  ${target.name}: ${workload.viewers} viewers x ${workload.rate}/s for ${workload.seconds} s ...\n`);
    return await run(target, workload);
  } finally {
    await target.stop();
  }
}

function table(results: readonly Result[]): string {
  const rows = results.map((r) =>
    [
      r.target,
      `${r.connected}/${r.viewers}`,
      r.rate === 0 ? "idle" : `${r.rate}/s x ${r.seconds} s`,
      r.rate === 0 ? "-" : Math.round(r.deliveriesPerSecond).toLocaleString("en"),
      r.rate === 0 ? "-" : `${r.p50} / ${r.p90} / ${r.p99}`,
      r.rate === 0 ? "-" : String(r.missing),
      r.rate === 0 ? "-" : String(r.duplicates),
      r.rssPerViewerKiB.toFixed(1),
      r.rate === 0 ? "-" : r.cpuPerMillion.toFixed(2),
      r.rate === 0 ? "-" : r.fanoutCpuPerMillion.toFixed(2),
    ].join(" | "),
  );
  return [
    "| target | viewers | load | deliveries/s | latency p50 / p90 / p99 (ms) | missing | duplicates | RSS KiB/viewer | CPU s per 1M deliveries | fan-out CPU s per 1M |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows.map((row) => `| ${row} |`),
  ].join("\n");
}

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick");
  const plan: [string, Workload][] = quick
    ? [
        ["lc-150", { viewers: 500, rate: 20, seconds: 5 }],
        ["lc-0", { viewers: 500, rate: 20, seconds: 5 }],
        ["nchan", { viewers: 500, rate: 20, seconds: 5 }],
      ]
    : [
        ["lc-150", { viewers: 1_000, rate: 50, seconds: 10 }],
        ["lc-0", { viewers: 1_000, rate: 50, seconds: 10 }],
        ["nchan", { viewers: 1_000, rate: 50, seconds: 10 }],
        ["lc-0", { viewers: 5_000, rate: 10, seconds: 10 }],
        ["nchan", { viewers: 5_000, rate: 10, seconds: 10 }],
        ["lc-150", { viewers: 19_000, rate: 0, seconds: 0 }],
        ["nchan", { viewers: 19_000, rate: 0, seconds: 0 }],
      ];
  process.stderr.write(`edge benchmark (${quick ? "quick" : "full"}): ${plan.length} runs\n`);
  const results: Result[] = [];
  let port = PORT;
  for (const [target, workload] of plan) results.push(await measure(target, workload, port++));
  process.stdout.write(`\n${table(results)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`edge benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
