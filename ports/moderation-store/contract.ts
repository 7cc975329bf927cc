import assert from "node:assert/strict";
import { test } from "vitest";
import type { ModerationStore } from "./index.js";

/** Opens a store; `reopen` opens the same durable state again (an ingest restart). */
export interface ModerationStoreFixture {
  open(): Promise<ModerationStore>;
  dispose(): Promise<void>;
}

/** The guarantees of {@link ModerationStore}, run against one adapter. */
export function moderationStoreContract(name: string, fixture: () => Promise<ModerationStoreFixture>): void {
  const ids = () => `s${Math.random().toString(36).slice(2, 10)}`;
  const withStore = async (body: (store: ModerationStore, f: ModerationStoreFixture) => Promise<void>) => {
    const f = await fixture();
    const store = await f.open();
    try {
      await body(store, f);
    } finally {
      await store.close();
      await f.dispose();
    }
  };

  test(`${name}: should refuse a banned user until the ban is lifted, on that stream only`, () =>
    withStore(async (store) => {
      const [stream, other] = [ids(), ids()];
      await store.ban(stream, "troll", { until: null, reason: "spam" });
      assert.deepEqual(await store.admitPoster(stream, "troll", 0), { status: "banned", until: null });
      assert.deepEqual(await store.admitPoster(other, "troll", 0), { status: "admitted" });
      assert.deepEqual(await store.admitPoster(stream, "someone", 0), { status: "admitted" });
      await store.unban(stream, "troll");
      await store.unban(stream, "never-banned");
      assert.deepEqual(await store.admitPoster(stream, "troll", 0), { status: "admitted" });
    }));

  test(`${name}: should end a ban with a duration by itself`, () =>
    withStore(async (store) => {
      const stream = ids();
      const until = Date.now() + 300;
      await store.ban(stream, "u", { until, reason: "" });
      assert.deepEqual(await store.admitPoster(stream, "u", 0), { status: "banned", until });
      await new Promise((resolve) => setTimeout(resolve, 400));
      assert.deepEqual(await store.admitPoster(stream, "u", 0), { status: "admitted" });
    }));

  test(`${name}: should admit one post per slow-mode interval and tell the next how long to wait`, () =>
    withStore(async (store) => {
      const stream = ids();
      const answers = await Promise.all([store.admitPoster(stream, "u", 500), store.admitPoster(stream, "u", 500)]);
      assert.deepEqual(answers.map((a) => a.status).sort(), ["admitted", "slow_mode"]);
      const refused = answers.find((a) => a.status === "slow_mode");
      assert.ok(refused?.status === "slow_mode" && refused.retryAfterMs > 0 && refused.retryAfterMs <= 500);
      assert.deepEqual(await store.admitPoster(stream, "other", 500), { status: "admitted" }, "per user");
      await new Promise((resolve) => setTimeout(resolve, 600));
      assert.deepEqual(await store.admitPoster(stream, "u", 500), { status: "admitted" });
    }));

  test(`${name}: should answer the first deletion time of a comment on every repeat`, () =>
    withStore(async (store) => {
      const stream = ids();
      assert.equal(await store.deletedAt(stream, "c1"), undefined);
      assert.equal(await store.markDeleted(stream, "c1", 1_000), 1_000);
      assert.equal(await store.markDeleted(stream, "c1", 2_000), 1_000);
      assert.equal(await store.deletedAt(stream, "c1"), 1_000);
      assert.equal(await store.deletedAt(ids(), "c1"), undefined);
    }));

  test(`${name}: should keep bans and deletions across a restart`, async () => {
    const f = await fixture();
    const stream = ids();
    try {
      let store = await f.open();
      await store.ban(stream, "troll", { until: null, reason: "" });
      await store.markDeleted(stream, "c1", 5);
      await store.close();
      store = await f.open();
      assert.deepEqual(await store.admitPoster(stream, "troll", 0), { status: "banned", until: null });
      assert.equal(await store.deletedAt(stream, "c1"), 5);
      await store.close();
    } finally {
      await f.dispose();
    }
  });
}
