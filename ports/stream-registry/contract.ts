import assert from "node:assert/strict";
import { test } from "vitest";
import { LcError } from "../../core/errors.js";
import type { StreamRegistry } from "./index.js";

/** The guarantees of {@link StreamRegistry}, run against one adapter. */
export function streamRegistryContract(name: string, open: () => Promise<{ registry: StreamRegistry; dispose(): Promise<void> }>): void {
  test(`${name}: should create, read and end a stream, keeping the first end time`, async () => {
    const { registry, dispose } = await open();
    const id = `s${Math.random().toString(36).slice(2, 10)}`;
    try {
      assert.equal(await registry.get(id), undefined);
      await registry.create({ streamId: id, title: "Final", startedAt: 1000 });
      assert.deepEqual(await registry.get(id), { streamId: id, title: "Final", startedAt: 1000 });
      await assert.rejects(
        registry.create({ streamId: id, title: "again", startedAt: 2000 }),
        (e: unknown) => e instanceof LcError && e.reason === "stream_exists",
      );
      assert.deepEqual(await registry.end(id, 5000), { streamId: id, title: "Final", startedAt: 1000, endedAt: 5000 });
      assert.equal((await registry.end(id, 9000))?.endedAt, 5000);
      assert.equal(await registry.end(`${id}-unknown`, 9000), undefined);
    } finally {
      await registry.close();
      await dispose();
    }
  });

  test(`${name}: should change only the moderation fields it is given, and keep them`, async () => {
    const { registry, dispose } = await open();
    const id = `s${Math.random().toString(36).slice(2, 10)}`;
    const pinned = { commentId: "c1", streamId: id, userId: "u", username: "U", text: "pinned", serverTs: 1500, offsetMs: 500, seq: 3 };
    try {
      assert.equal(await registry.update(id, { slowModeS: 5 }), undefined, "an unknown stream");
      await registry.create({ streamId: id, title: "Final", startedAt: 1000 });
      assert.deepEqual(await registry.update(id, { pinned, slowModeS: 30 }), { streamId: id, title: "Final", startedAt: 1000, pinned, slowModeS: 30 });
      assert.deepEqual(await registry.update(id, { revision: 7 }), { streamId: id, title: "Final", startedAt: 1000, pinned, slowModeS: 30, revision: 7 });
      await registry.end(id, 5000);
      assert.deepEqual(await registry.update(id, { pinned: null, slowModeS: 0 }), {
        streamId: id,
        title: "Final",
        startedAt: 1000,
        endedAt: 5000,
        revision: 7,
      });
      assert.deepEqual(await registry.get(id), { streamId: id, title: "Final", startedAt: 1000, endedAt: 5000, revision: 7 });
    } finally {
      await registry.close();
      await dispose();
    }
  });

  test(`${name}: should keep the owner, the modes, the blocked terms and the moderators named at once`, async () => {
    const { registry, dispose } = await open();
    const id = `s${Math.random().toString(36).slice(2, 10)}`;
    try {
      await registry.create({ streamId: id, title: "Cup", startedAt: 1000, ownerId: "owner-1" });
      assert.deepEqual(await registry.get(id), { streamId: id, title: "Cup", startedAt: 1000, ownerId: "owner-1" });
      const changed = await registry.update(id, { membersOnly: true, uniqueChat: true, delayS: 5, blockedTerms: ["spoiler", "Ｆｏｏ"] });
      assert.deepEqual(changed, {
        streamId: id,
        title: "Cup",
        startedAt: 1000,
        ownerId: "owner-1",
        membersOnly: true,
        uniqueChat: true,
        delayS: 5,
        blockedTerms: ["spoiler", "Ｆｏｏ"],
      });
      await Promise.all(["m1", "m2", "m3"].map((userId) => registry.update(id, { addModerator: userId })));
      assert.deepEqual((await registry.get(id))?.moderators, ["m1", "m2", "m3"]);
      await registry.update(id, { removeModerator: "m2", addModerator: "m4" });
      await registry.update(id, { membersOnly: false, delayS: 0, blockedTerms: [] });
      const after = await registry.get(id);
      assert.deepEqual(after?.moderators, ["m1", "m3", "m4"]);
      assert.deepEqual([after?.membersOnly, after?.uniqueChat, after?.delayS, after?.blockedTerms], [undefined, true, undefined, undefined]);
    } finally {
      await registry.close();
      await dispose();
    }
  });
}
