// The edge benchmark: SSE viewers on raw sockets against Live Comments, nginx + nchan and
// Pushpin, the same workloads in the same run, so every comparison is a ratio measured side by
// side. Prints deliveries/s, latency percentiles, missing and duplicate comments, RSS per
// connection and CPU seconds per million deliveries of the server process.
//
//   npm run bench:edge            the full set (a few minutes)
//   npm run bench:edge -- --quick one small workload per target
//   npm run bench:edge -- --tracing   Live Comments alone: tracing off, at 1 % and at 100 % (with --quick: smaller)
import { OtlpReceiver } from "../harness/otlp-receiver.js";
import type { Result, Workload } from "./edge-workload.js";
import { measure } from "./edge-workload.js";

const PORT = 18_900;

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

/**
 * What tracing costs per delivery: Live Comments with tracing off, then exporting to an OTLP
 * sink on loopback at 1 % and 100 % sampling, the same workload in the same run.
 */
async function tracingComparison(quick: boolean): Promise<void> {
  const sink = new OtlpReceiver();
  sink.mode = "discard";
  const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: await sink.start(), OTEL_TRACES_SAMPLER: "parentbased_traceidratio" };
  const workload: Workload = quick ? { viewers: 500, rate: 20, seconds: 5 } : { viewers: 1_000, rate: 50, seconds: 10 };
  const variants: [string, Record<string, string>][] = [
    ["tracing off", {}],
    ["tracing 1 %", { ...endpoint, OTEL_TRACES_SAMPLER_ARG: "0.01" }],
    ["tracing 100 %", { ...endpoint, OTEL_TRACES_SAMPLER_ARG: "1" }],
  ];
  const results: Result[] = [];
  let port = PORT;
  try {
    for (const target of ["lc-150", "lc-0"])
      for (const [label, env] of variants) {
        process.stderr.write(`  ${target}, ${label}: ${workload.viewers} viewers x ${workload.rate}/s for ${workload.seconds} s ...\n`);
        const result = await measure(target, workload, port++, env);
        results.push({ ...result, target: `${result.target}, ${label}` });
      }
  } finally {
    await sink.stop();
  }
  process.stdout.write(`\n${table(results)}\n`);
}

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick");
  if (process.argv.includes("--tracing")) return tracingComparison(quick);
  const plan: [string, Workload][] = quick
    ? [
        ["lc-150", { viewers: 500, rate: 20, seconds: 5 }],
        ["lc-0", { viewers: 500, rate: 20, seconds: 5 }],
        ["nchan", { viewers: 500, rate: 20, seconds: 5 }],
        ["pushpin", { viewers: 500, rate: 20, seconds: 5 }],
      ]
    : [
        ["lc-150", { viewers: 1_000, rate: 50, seconds: 10 }],
        ["lc-0", { viewers: 1_000, rate: 50, seconds: 10 }],
        ["nchan", { viewers: 1_000, rate: 50, seconds: 10 }],
        ["pushpin", { viewers: 1_000, rate: 50, seconds: 10 }],
        ["lc-0", { viewers: 5_000, rate: 10, seconds: 10 }],
        ["nchan", { viewers: 5_000, rate: 10, seconds: 10 }],
        ["pushpin", { viewers: 5_000, rate: 10, seconds: 10 }],
        ["lc-150", { viewers: 19_000, rate: 0, seconds: 0 }],
        ["nchan", { viewers: 19_000, rate: 0, seconds: 0 }],
        ["pushpin", { viewers: 19_000, rate: 0, seconds: 0 }],
      ];
  process.stderr.write(`edge benchmark (${quick ? "quick" : "full"}): ${plan.length} runs\n`);
  const results: Result[] = [];
  let port = PORT;
  for (const [target, workload] of plan) {
    process.stderr.write(`  ${target}: ${workload.viewers} viewers x ${workload.rate}/s for ${workload.seconds} s ...\n`);
    results.push(await measure(target, workload, port++));
  }
  process.stdout.write(`\n${table(results)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`edge benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
