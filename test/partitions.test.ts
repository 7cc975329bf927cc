// The partition scenarios (npm run faults -- --partitions --quick): every role and engine a host
// of its own on a network of network namespaces, one link cut for 20 s under load and healed.
// Nothing accepted may be lost or stored twice, every post is answered within 5 s, the cut
// edge's viewers get everything (with no gap, or an explicit reset), the other edge's viewers
// notice nothing, and every role recovers by itself within 10 s of the heal. Needs root.
import assert from "node:assert/strict";
import { test } from "vitest";
import { QUICK_PARTITION_RUN } from "../harness/faults/fault-settings.js";
import { BROKER_CUT, PARTITION_SCENARIOS, partitionFailures, partitionTable, runPartitions } from "../harness/faults/partition-run.js";

test("should lose nothing, answer every post in time and recover by itself from every cut link", { timeout: 15 * 60_000 }, async () => {
  const rows = await runPartitions({ ...QUICK_PARTITION_RUN, progress: (line) => process.stderr.write(`[partitions] ${line}\n`) });
  process.stderr.write(`[partitions]\n${partitionTable(rows, QUICK_PARTITION_RUN.cutMs)}\n`);
  assert.deepEqual(
    rows.map((row) => row.scenario),
    PARTITION_SCENARIOS.map((scenario) => scenario.name).filter((name) => name !== BROKER_CUT),
    "every scenario ran",
  );
  for (const row of rows) assert.ok(row.accepted > 0, `${row.scenario}: comments were accepted`);
  assert.deepEqual(
    rows.flatMap((row) => partitionFailures(row, QUICK_PARTITION_RUN.recoveryBoundMs)),
    [],
  );
});
