// The soak run: the distributed mode on engines of its own under steady load for a long time
// (10 minutes by default), sampling every role's memory, then checking that nothing was lost.
// Not part of `npm test`.
//
//   npm run soak [-- --minutes 10]
import { check } from "../harness/faults/fault-run.js";
import { startDeployment } from "../harness/faults/deployment.js";
import { Posters } from "../harness/faults/load.js";
import { rssBytes } from "./process-stats.js";

const RATE_PER_SEC = 200;
const STREAMS = 20;
const VIEWERS = 1_000;
const SAMPLE_MS = 30_000;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const minutes = Number(args[args.indexOf("--minutes") + 1] ?? 10) || 10;
  const started = Date.now();
  const say = (line: string) => process.stderr.write(`[${Math.round((Date.now() - started) / 1000)} s] ${line}\n`);
  const deployment = await startDeployment({ streams: STREAMS, posters: RATE_PER_SEC * 4, viewers: VIEWERS, say });
  try {
    const roles = Object.values(deployment.roles);
    const samples: { atMin: number; rss: number[] }[] = [];
    const sample = () => samples.push({ atMin: (Date.now() - loadStarted) / 60_000, rss: roles.map((role) => rssBytes(role.process!.process.pid!)) });
    const posters = new Posters({
      baseUrl: deployment.ingestUrl,
      streams: deployment.streams,
      tokens: deployment.tokens,
      ratePerSec: RATE_PER_SEC,
      maxInFlight: 1_000,
    });
    say(`soak: ${RATE_PER_SEC} comments/s over ${STREAMS} streams, ${VIEWERS} SSE viewers, ${minutes} min`);
    const loadStarted = Date.now();
    posters.start("soak");
    sample();
    while (Date.now() - loadStarted < minutes * 60_000) {
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
      sample();
      say(`RSS MiB: ${roles.map((role, i) => `${role.role} ${(samples.at(-1)!.rss[i]! / 2 ** 20).toFixed(0)}`).join(", ")}`);
    }
    await posters.stop();
    for (const viewer of deployment.viewers) viewer.clear(); // the check below is about the archive; viewers were checked by the fault suite
    const result = await check(posters, deployment.archiveUrl, deployment.streams, [], "soak-");
    const afterWarmup = samples.find((s) => s.atMin >= 1) ?? samples[0]!;
    const last = samples.at(-1)!;
    const rows = roles.map((role, i) => {
      const max = Math.max(...samples.map((s) => s.rss[i]!));
      return `| ${role.role} | ${(afterWarmup.rss[i]! / 2 ** 20).toFixed(0)} | ${(last.rss[i]! / 2 ** 20).toFixed(0)} | ${(max / 2 ** 20).toFixed(0)} |`;
    });
    process.stdout.write(
      `\n| role | RSS MiB after 1 min | RSS MiB at the end (${minutes} min) | max |\n| --- | --- | --- | --- |\n${rows.join("\n")}\n\n` +
        `accepted ${result.accepted}, refused ${result.refused}, lost ${result.lost}, duplicated ${result.duplicated}\n`,
    );
    process.exitCode = result.lost === 0 && result.duplicated === 0 ? 0 : 1;
  } finally {
    await deployment.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`soak failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
