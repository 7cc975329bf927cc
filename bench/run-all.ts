// `npm run bench`: the read-path workloads against Live Comments, nginx + nchan and Pushpin in
// one run on this machine, written to BENCHMARKS.md with charts in docs/bench/. Every
// comparison is a ratio measured side by side; the figures of another machine differ.
//
//   npm run bench              about 12 minutes
//   npm run bench -- --quick   about 1 minute, small workloads
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import type { Result, Workload } from "./edge-workload.js";
import { measure } from "./edge-workload.js";
import { renderLineChart } from "./svg-chart.js";
import type { Series } from "./svg-chart.js";

const PORT = 19_100;
const TARGET_NAMES: Record<string, string> = { "lc-150": "Live Comments", nchan: "nginx + nchan", pushpin: "Pushpin" };
const TARGET_KEYS = Object.keys(TARGET_NAMES);

interface Plan {
  /** Latency against load: these rates, with `latencyViewers` viewers. */
  readonly rates: readonly number[];
  readonly latencyViewers: number;
  /** Throughput and memory against viewers, at `viewerRate` comments/s. */
  readonly viewerCounts: readonly number[];
  readonly viewerRate: number;
  /** One idle run per target with this many viewers: memory per connection at scale. */
  readonly idleViewers: number;
  readonly seconds: number;
}

const FULL: Plan = { rates: [10, 50, 100], latencyViewers: 1_000, viewerCounts: [1_000, 5_000, 10_000], viewerRate: 10, idleViewers: 19_000, seconds: 10 };
const QUICK: Plan = { rates: [20], latencyViewers: 300, viewerCounts: [300], viewerRate: 20, idleViewers: 2_000, seconds: 3 };

/** Every run of the plan, without repeats (the latency and viewer series share one). */
function runsOf(plan: Plan): [string, Workload][] {
  const workloads = new Map<string, Workload>();
  const add = (w: Workload) => workloads.set(`${w.viewers}x${w.rate}`, w);
  for (const rate of plan.rates) add({ viewers: plan.latencyViewers, rate, seconds: plan.seconds });
  for (const viewers of plan.viewerCounts) add({ viewers, rate: plan.viewerRate, seconds: plan.seconds });
  add({ viewers: plan.idleViewers, rate: 0, seconds: 0 });
  return TARGET_KEYS.flatMap((key) => [...workloads.values()].map((w): [string, Workload] => [key, w]));
}

function progress(done: number, total: number, label: string, startedAt: number): void {
  const width = 30;
  const filled = Math.round((done / total) * width);
  const elapsed = Math.round((Date.now() - startedAt) / 1000);
  const line = `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total} ${elapsed}s ${label}`;
  process.stderr.write(process.stderr.isTTY ? `\r\x1b[K${line}` : `${line}\n`);
}

/** The first line a program prints about its version (nginx prints it on stderr). */
function version(command: string, args: readonly string[]): string {
  const result = spawnSync(command, args, { encoding: "utf8" });
  return `${result.stdout ?? ""}${result.stderr ?? ""}`.trim().split("\n")[0] || `${command}: version unknown`;
}

function series(results: readonly Keyed[], pick: (r: Result) => boolean, x: (r: Result) => number, y: (r: Result) => number, suffix = ""): Series[] {
  return TARGET_KEYS.map((key) => ({
    name: `${TARGET_NAMES[key]}${suffix}`,
    points: results
      .filter((r) => r.targetKey === key && pick(r))
      .map((r): [number, number] => [x(r), y(r)])
      .sort((a, b) => a[0] - b[0]),
  }));
}

interface Keyed extends Result {
  readonly targetKey: string;
}

function ratio(results: readonly Keyed[], workload: Workload, value: (r: Result) => number, peer: string): string {
  const of = (key: string) => results.find((r) => r.targetKey === key && r.viewers === workload.viewers && r.rate === workload.rate);
  const ours = of("lc-150");
  const theirs = of(peer);
  return ours && theirs ? (value(theirs) / value(ours)).toFixed(2) : "-";
}

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick");
  const plan = quick ? QUICK : FULL;
  const runs = runsOf(plan);
  const startedAt = Date.now();
  const results: Keyed[] = [];
  let port = PORT;
  for (const [i, [key, workload]] of runs.entries()) {
    progress(i, runs.length, `${TARGET_NAMES[key]}: ${workload.viewers} viewers${workload.rate ? ` x ${workload.rate}/s` : ", idle"}`, startedAt);
    results.push({ ...(await measure(key, workload, port++)), targetKey: key });
  }
  progress(runs.length, runs.length, "done", startedAt);
  process.stderr.write("\n");

  const loaded = (r: Result) => r.rate > 0;
  const perCore = (r: Result) => 1e6 / r.cpuPerMillion;
  const charts = {
    latency: renderLineChart({
      title: `Latency, POST to SSE, ${plan.latencyViewers.toLocaleString("en")} viewers`,
      xLabel: "comments per second on the stream",
      yLabel: "milliseconds (log scale)",
      logY: true,
      series: [
        ...series(
          results,
          (r) => r.viewers === plan.latencyViewers && loaded(r),
          (r) => r.rate,
          (r) => r.p50,
          " p50",
        ),
        ...series(
          results,
          (r) => r.viewers === plan.latencyViewers && loaded(r),
          (r) => r.rate,
          (r) => r.p99,
          " p99",
        ),
      ],
    }),
    throughput: renderLineChart({
      title: `Deliveries per CPU second (one core), ${plan.viewerRate} comments/s`,
      xLabel: "viewers",
      yLabel: "deliveries per core-second",
      logX: true,
      series: series(
        results,
        (r) => r.rate === plan.viewerRate && loaded(r),
        (r) => r.viewers,
        perCore,
      ),
    }),
    memory: renderLineChart({
      title: "Server memory per connected viewer",
      xLabel: "viewers",
      yLabel: "KiB of RSS per viewer",
      logX: true,
      series: series(
        results,
        (r) => r.rate === plan.viewerRate || r.rate === 0,
        (r) => r.viewers,
        (r) => r.rssPerViewerKiB,
      ),
    }),
  };
  mkdirSync("docs/bench", { recursive: true });
  for (const [name, svg] of Object.entries(charts)) writeFileSync(`docs/bench/${name}.svg`, svg);

  const rows = results.map((r) =>
    [
      TARGET_NAMES[r.targetKey],
      `${r.connected.toLocaleString("en")}/${r.viewers.toLocaleString("en")}`,
      r.rate === 0 ? "idle" : `${r.rate}/s x ${r.seconds} s`,
      r.rate === 0 ? "-" : Math.round(r.deliveriesPerSecond).toLocaleString("en"),
      r.rate === 0 ? "-" : `${r.p50} / ${r.p90} / ${r.p99}`,
      r.rate === 0 ? "-" : `${r.missing} / ${r.duplicates}`,
      r.rssPerViewerKiB.toFixed(1),
      r.rate === 0 ? "-" : Math.round(perCore(r)).toLocaleString("en"),
    ].join(" | "),
  );
  const comparisons = runs
    .filter(([key, w]) => key === "lc-150" && w.rate > 0)
    .map(
      ([, w]) =>
        `| ${w.viewers.toLocaleString("en")} x ${w.rate}/s | ${ratio(results, w, (r) => r.cpuPerMillion, "nchan")} | ${ratio(results, w, (r) => r.cpuPerMillion, "pushpin")} | ${ratio(results, w, (r) => r.p99, "nchan")} | ${ratio(results, w, (r) => r.p99, "pushpin")} |`,
    );
  const idle = { viewers: plan.idleViewers, rate: 0, seconds: 0 };
  const cpu = cpus();
  const markdown = `Written by \`npm run bench${quick ? " -- --quick" : ""}\` on ${new Date().toISOString().slice(0, 10)}, in ${Math.round((Date.now() - startedAt) / 1000)} s, on this machine:
${cpu.length} x ${cpu[0]?.model.trim() ?? "unknown CPU"}, Node ${process.version}, ${version("nginx", ["-v"])} with nchan
(Debian's libnginx-mod-nchan), ${version("pushpin", ["--version"])}. Each server runs as one process (Pushpin as its
processes together) on loopback and is configured by the benchmark itself; Live Comments is
the one-process system (\`npm start\`: ingest, log, relay, archive and edge), with its default
150 ms batches. Viewers are SSE connections on raw sockets in separate processes, spread over
loopback addresses; each comment carries its send time, so latency is from the POST to the
event arriving at the viewer. The machine is shared and its figures move between runs:
compare the ratios, which are measured side by side in one run.

### Side by side (peer / Live Comments; above 1 means Live Comments is better)

| workload | CPU per delivery, nchan | CPU per delivery, Pushpin | p99 latency, nchan | p99 latency, Pushpin |
| --- | --- | --- | --- | --- |
${comparisons.join("\n")}
| ${plan.idleViewers.toLocaleString("en")} idle viewers, memory per viewer | ${ratio(results, idle, (r) => r.rssPerViewerKiB, "nchan")} | ${ratio(results, idle, (r) => r.rssPerViewerKiB, "pushpin")} | | |

### Latency against load

![latency](docs/bench/latency.svg)

### Deliveries per core against viewers

![throughput](docs/bench/throughput.svg)

### Memory per connection against viewers

![memory](docs/bench/memory.svg)

### Every run

| server | viewers connected | load | deliveries/s | latency p50 / p90 / p99 (ms) | missing / duplicated | RSS KiB per viewer | deliveries per core-second |
| --- | --- | --- | --- | --- | --- | --- | --- |
${rows.map((row) => `| ${row} |`).join("\n")}

"Deliveries per core-second" is comments delivered to viewers per CPU second the server used
(the posts' own cost included). "RSS per viewer" is the server's memory growth while the viewers
connected, divided by their number.
`;
  writeFileSync("BENCHMARKS.md", withGeneratedSection(readFileSync("BENCHMARKS.md", "utf8"), markdown));
  process.stdout.write(`${markdown}\nwrote its section of BENCHMARKS.md and docs/bench/{latency,throughput,memory}.svg\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`\nbenchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});

/** BENCHMARKS.md holds every measurement; this run rewrites only its own section, between the markers. */
const SECTION_START = "<!-- npm run bench writes from here to the end marker; edit the rest by hand. -->\n";
const SECTION_END = "<!-- end of what npm run bench writes -->";

function withGeneratedSection(document: string, section: string): string {
  const start = document.indexOf(SECTION_START);
  const end = document.indexOf(SECTION_END);
  if (start < 0 || end < start) throw new Error("BENCHMARKS.md has lost the markers of the section npm run bench writes");
  return `${document.slice(0, start + SECTION_START.length)}\n${section}${document.slice(end)}`;
}
