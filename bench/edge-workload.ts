// One edge workload against one target: SSE viewers on raw sockets (in swarm processes), posts
// at a steady rate, and what the server process spent. Shared by `npm run bench:edge` and
// `npm run bench`.
import type { BenchTarget } from "./bench-targets.js";
import { startLiveComments, startNchan, startPushpin } from "./bench-targets.js";
import { mergeHistograms, percentile } from "./latency-histogram.js";
import { cpuSeconds, rssBytes } from "./process-stats.js";
import type { SwarmReport } from "./viewer-swarm.js";
import { postAtRate, Swarm, VIEWERS_PER_SWARM } from "./swarm.js";

/** Viewers, post rate and duration of one run. */
export interface Workload {
  readonly viewers: number;
  /** Comments per second; 0 for an idle run that only measures memory. */
  readonly rate: number;
  readonly seconds: number;
}

/** What one run measured. */
export interface Result extends Workload {
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
    const histogram = mergeHistograms(reports.map((report) => report.histogram));
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

/** The servers a workload can run against, by key. */
export const TARGETS: Record<string, (port: number, env: Readonly<Record<string, string>>) => Promise<BenchTarget>> = {
  "lc-150": (port, env) => startLiveComments(port, 150, env),
  "lc-0": (port, env) => startLiveComments(port, 0, env),
  nchan: (port) => startNchan(port),
  pushpin: (port) => startPushpin(port),
};

/** Starts the target (Live Comments with `env` added to its environment), runs the workload against it, stops it. */
export async function measure(targetKey: string, workload: Workload, port: number, env: Readonly<Record<string, string>> = {}): Promise<Result> {
  const target = await TARGETS[targetKey]!(port, env);
  try {
    return await run(target, workload);
  } finally {
    await target.stop();
  }
}
