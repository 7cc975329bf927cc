import assert from "node:assert/strict";
import { test } from "vitest";
import type { ViewerCounts } from "./index.js";

/** The guarantees of {@link ViewerCounts}, run against one adapter. */
export function viewerCountsContract(name: string, open: () => Promise<ViewerCounts>): void {
  test(`${name}: should add up the edges' reports, replace an edge's old report, and forget expired ones`, async () => {
    const counts = await open();
    const s = `s${Math.random().toString(36).slice(2, 10)}`;
    try {
      await counts.report(
        `${s}-edge-a`,
        new Map([
          [s, 3],
          [`${s}-other`, 1],
        ]),
        10_000,
      );
      await counts.report(`${s}-edge-b`, new Map([[s, 4]]), 10_000);
      assert.deepEqual(
        await counts.totals([s, `${s}-other`, `${s}-none`]),
        new Map([
          [s, 7],
          [`${s}-other`, 1],
          [`${s}-none`, 0],
        ]),
      );
      await counts.report(`${s}-edge-a`, new Map([[s, 1]]), 10_000);
      assert.deepEqual(
        await counts.totals([s, `${s}-other`]),
        new Map([
          [s, 5],
          [`${s}-other`, 0],
        ]),
      );
      await counts.report(`${s}-edge-c`, new Map([[s, 100]]), 50);
      await new Promise((resolve) => setTimeout(resolve, 120));
      assert.deepEqual(await counts.totals([s]), new Map([[s, 5]]), "the expired report no longer counts");
    } finally {
      await counts.close();
    }
  });
}
