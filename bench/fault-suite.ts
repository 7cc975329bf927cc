// The fault suite: the distributed mode on Kafka, Cassandra and Redis of its own, under steady
// load, with each role and engine killed (-9) and restarted in turn and two paused (SIGSTOP).
// Prints a table; exits 1 unless nothing was lost, duplicated or missed by a viewer.
//
//   npm run faults                    500 comments/s over 50 streams, 2,000 SSE viewers
//   npm run faults -- --quick         what `npm test` runs (test/faults.test.ts)
//   npm run faults -- --only Kafka    only the faults whose names contain "Kafka"
//   npm run faults -- --partitions    the partition scenarios alone (as root: network namespaces),
//                                     each link cut for 20 s under load and healed
//   ... --partitions --cut-s 40       each link cut for 40 s instead
//   LC_FAULTS_LOG=info                the roles log (their last lines are printed when a fault fails)
import { runFaults } from "../harness/faults/fault-run.js";
import type { FaultRow } from "../harness/faults/fault-run.js";
import { FULL_FAULT_RUN, FULL_PARTITION_RUN, QUICK_FAULT_RUN, QUICK_PARTITION_RUN } from "../harness/faults/fault-settings.js";
import { partitionFailures, partitionTable, runPartitions } from "../harness/faults/partition-run.js";

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const only = args.flatMap((arg, i) => (args[i - 1] === "--only" ? [arg] : []));
  const started = Date.now();
  const progress = (line: string) => process.stderr.write(`[${Math.round((Date.now() - started) / 1000)} s] ${line}\n`);
  if (args.includes("--partitions")) {
    const settings = args.includes("--quick") ? QUICK_PARTITION_RUN : FULL_PARTITION_RUN;
    const cutS = args.flatMap((arg, i) => (args[i - 1] === "--cut-s" ? [Number(arg)] : []))[0];
    if (cutS !== undefined && !(cutS > 0 && cutS <= 600)) throw new Error("--cut-s takes 1 to 600 seconds");
    return partitions(cutS === undefined ? settings : { ...settings, cutMs: cutS * 1000 }, only, progress);
  }
  const settings = args.includes("--quick") ? QUICK_FAULT_RUN : FULL_FAULT_RUN;
  process.stderr.write(`fault suite: ${settings.ratePerSec} comments/s over ${settings.streams} streams, ${settings.viewers} SSE viewers\n`);
  const rows = await runFaults({ ...settings, only, progress });
  process.stdout.write(`\n${faultTable(rows)}\n`);
  const failed = rows.filter((row) => !passed(row));
  process.stdout.write(
    failed.length === 0 ? "\nevery fault passed: nothing lost, nothing duplicated, no viewer missed a comment\n" : `\n${failed.length} fault(s) failed\n`,
  );
  process.exitCode = failed.length === 0 ? 0 : 1;
}

/** Whether a row is a pass: nothing lost or stored twice, every viewer complete and in order. */
export function passed(row: FaultRow): boolean {
  return (
    row.lost === 0 &&
    row.duplicated === 0 &&
    row.viewersWithGaps === 0 &&
    row.viewersOutOfOrder === 0 &&
    row.undeleted === 0 &&
    row.timelineWrong === 0 &&
    row.heldLost === 0 &&
    row.heldShown === 0
  );
}

function faultTable(rows: readonly FaultRow[]): string {
  const lines = rows.map(
    (r) =>
      `| ${r.fault} | ${r.accepted} | ${r.refused} | ${r.lost} | ${r.duplicated} | ${r.undeleted} | ${r.timelineWrong} | ${r.held} / ${r.heldLost} / ${r.heldShown} | ${r.viewersWithGaps} | ${r.viewersOutOfOrder} | ${(r.recoveryMs / 1000).toFixed(1)} s | ${passed(r) ? "pass" : "FAIL"} |`,
  );
  return [
    "| fault | accepted (202) | refused after retries | lost | duplicated | deleted but back | streams with a wrong timeline | held / lost / shown unapproved | viewers with gaps | viewers out of order | recovery | result |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...lines,
  ].join("\n");
}

async function partitions(settings: typeof FULL_PARTITION_RUN, only: string[], progress: (line: string) => void): Promise<void> {
  process.stderr.write(
    `partitions: ${settings.ratePerSec} comments/s over ${settings.streams} streams, ${settings.viewers} SSE viewers on two edges, each cut ${settings.cutMs / 1000} s\n`,
  );
  const rows = await runPartitions({ ...settings, only, progress });
  process.stdout.write(`\n${partitionTable(rows, settings.cutMs)}\n`);
  const failed = rows.filter((row) => partitionFailures(row, settings.recoveryBoundMs).length > 0);
  process.stdout.write(failed.length === 0 ? "\nevery partition passed\n" : `\n${failed.length} partition(s) failed\n`);
  process.exitCode = failed.length === 0 ? 0 : 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`fault suite failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
