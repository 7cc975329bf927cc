// The fault suite's short variant (npm run faults -- --quick): every role and engine killed and
// restarted in turn, and two paused, under load; nothing accepted may be lost or stored twice,
// a comment a moderator deleted under the load stays deleted through every later fault, a
// comment held for review is neither lost nor shown before it is approved, and every viewer
// must see every comment of its stream in order.
import assert from "node:assert/strict";
import { test } from "vitest";
import { runFaults } from "../harness/faults/fault-run.js";
import { QUICK_FAULT_RUN } from "../harness/faults/fault-settings.js";

test("should lose nothing, duplicate nothing and leave no viewer with a gap through every fault", { timeout: 15 * 60_000 }, async () => {
  const rows = await runFaults({ ...QUICK_FAULT_RUN, progress: (line) => process.stderr.write(`[faults] ${line}\n`) });
  assert.equal(rows.length, 10, "every fault ran");
  for (const row of rows) {
    assert.ok(row.accepted > 0, `${row.fault}: comments were accepted`);
    assert.ok(row.held > 0, `${row.fault}: comments were held`);
    assert.deepEqual(
      {
        lost: row.lost,
        duplicated: row.duplicated,
        undeleted: row.undeleted,
        timelineWrong: row.timelineWrong,
        heldLost: row.heldLost,
        heldShown: row.heldShown,
        viewersWithGaps: row.viewersWithGaps,
        viewersOutOfOrder: row.viewersOutOfOrder,
      },
      { lost: 0, duplicated: 0, undeleted: 0, timelineWrong: 0, heldLost: 0, heldShown: 0, viewersWithGaps: 0, viewersOutOfOrder: 0 },
      row.fault,
    );
    assert.ok(row.recoveryMs <= QUICK_FAULT_RUN.recoveryBoundMs, `${row.fault}: recovered in ${row.recoveryMs} ms`);
  }
});
