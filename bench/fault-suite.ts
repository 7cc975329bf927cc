// The fault suite: the distributed mode on Kafka, Cassandra and Redis of its own, under steady
// load, with each role and engine killed (-9) and restarted in turn and two paused (SIGSTOP).
// Prints a table; exits 1 unless nothing was lost, duplicated or missed by a viewer.
//
//   npm run faults                    500 comments/s over 50 streams, 2,000 SSE viewers
//   npm run faults -- --quick         what `npm test` runs (test/faults.test.ts)
//   npm run faults -- --only Kafka    only the faults whose names contain "Kafka"
//   LC_FAULTS_LOG=info                the roles log (their last lines are printed when a fault fails)
import { runFaults } from "../harness/faults/fault-run.js";
import type { FaultRow } from "../harness/faults/fault-run.js";
import { FULL_FAULT_RUN, QUICK_FAULT_RUN } from "../harness/faults/fault-settings.js";

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const only = args.flatMap((arg, i) => (args[i - 1] === "--only" ? [arg] : []));
  const settings = args.includes("--quick") ? QUICK_FAULT_RUN : FULL_FAULT_RUN;
  const started = Date.now();
  process.stderr.write(`fault suite: ${settings.ratePerSec} comments/s over ${settings.streams} streams, ${settings.viewers} SSE viewers\n`);
  const rows = await runFaults({ ...settings, only, progress: (line) => process.stderr.write(`[${Math.round((Date.now() - started) / 1000)} s] ${line}\n`) });
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
    row.heldLost === 0 &&
    row.heldShown === 0
  );
}

function faultTable(rows: readonly FaultRow[]): string {
  const lines = rows.map(
    (r) =>
      `| ${r.fault} | ${r.accepted} | ${r.refused} | ${r.lost} | ${r.duplicated} | ${r.undeleted} | ${r.held} / ${r.heldLost} / ${r.heldShown} | ${r.viewersWithGaps} | ${r.viewersOutOfOrder} | ${(r.recoveryMs / 1000).toFixed(1)} s | ${passed(r) ? "pass" : "FAIL"} |`,
  );
  return [
    "| fault | accepted (202) | refused after retries | lost | duplicated | deleted but back | held / lost / shown unapproved | viewers with gaps | viewers out of order | recovery | result |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...lines,
  ].join("\n");
}

main().catch((error: unknown) => {
  process.stderr.write(`fault suite failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
