import assert from "node:assert/strict";
import { test } from "vitest";
import type { HeldEntry, ModerationStore } from "./index.js";

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

  test(`${name}: should refuse a text accepted on the stream within the window until it is released`, () =>
    withStore(async (store) => {
      const [stream, other] = [ids(), ids()];
      assert.deepEqual(await store.admitPoster(stream, "a", 0, "gooal"), { status: "admitted" });
      assert.deepEqual(await store.admitPoster(stream, "b", 0, "gooal"), { status: "duplicate_text" });
      assert.deepEqual(await store.admitPoster(other, "b", 0, "gooal"), { status: "admitted" }, "another stream");
      assert.deepEqual(await store.admitPoster(stream, "b", 0, "other text"), { status: "admitted" });
      assert.deepEqual(await store.admitPoster(stream, "b", 0), { status: "admitted" }, "a post not checked for unique chat");
      // A refused post takes no slot and remembers nothing.
      await store.ban(stream, "troll", { until: null, reason: "" });
      assert.deepEqual(await store.admitPoster(stream, "troll", 0, "fresh"), { status: "banned", until: null });
      assert.deepEqual(await store.admitPoster(stream, "c", 60_000, "fresh"), { status: "admitted" });
      assert.equal((await store.admitPoster(stream, "c", 60_000, "newer")).status, "slow_mode");
      assert.deepEqual(await store.admitPoster(stream, "d", 0, "newer"), { status: "admitted" }, "a slowed post remembers nothing");
      await store.releaseText(stream, "gooal");
      assert.deepEqual(await store.admitPoster(stream, "b", 0, "gooal"), { status: "admitted" });
    }));

  test(`${name}: should keep held comments in order until resolved, one outcome winning`, async () => {
    const f = await fixture();
    const stream = ids();
    const entry = (n: number, heldAt: number): HeldEntry => ({
      record: { commentId: `c${n}`, streamId: stream, userId: "u", username: "U", text: `held ${n}`, serverTs: heldAt, offsetMs: n, meta: { n } },
      reason: "blocked_term",
      heldAt,
    });
    try {
      let store = await f.open();
      await store.hold(entry(2, 2_000));
      await store.hold(entry(1, 1_000));
      await store.hold(entry(3, 3_000));
      await store.hold(entry(3, 3_000)); // a repeat changes nothing
      await store.close();
      store = await f.open(); // held comments survive a restart
      assert.deepEqual(await store.listHeld(stream, 0, 10), [entry(1, 1_000), entry(2, 2_000), entry(3, 3_000)]);
      assert.deepEqual(await store.listHeld(stream, 1_500, 1), [entry(2, 2_000)], "since a time, bounded");
      assert.deepEqual(await store.listHeld(ids(), 0, 10), []);

      const [approve, deny] = await Promise.all([store.claimHeld(stream, "c2", "approved", 0), store.claimHeld(stream, "c2", "denied", 0)]);
      assert.ok((approve === undefined) !== (deny === undefined), "one of two outcomes wins");
      const winner = approve ? "approved" : "denied";
      assert.deepEqual(await store.claimHeld(stream, "c2", winner, 0), entry(2, 2_000), "a retry of the winner finds it again");
      assert.deepEqual(await store.listHeld(stream, 0, 10), [entry(1, 1_000), entry(3, 3_000)], "a claimed comment is no longer listed");
      await store.forgetHeld(stream, "c2");
      assert.equal(await store.claimHeld(stream, "c2", winner, 0), undefined, "forgotten");
      assert.equal(await store.claimHeld(stream, "nope", "approved", 0), undefined);

      // Expiry: only what was held before the cut-off, and an expired one cannot be approved.
      assert.equal(await store.claimHeld(stream, "c1", "approved", 1_500), undefined, "expired: not approvable");
      assert.equal(await store.claimHeld(stream, "c3", "expired", 1_500), undefined, "not yet expired");
      const expired = (await store.expiredHeld(1_500, 100)).filter((e) => e.record.streamId === stream);
      assert.deepEqual(expired, [entry(1, 1_000)]);
      assert.deepEqual(await store.claimHeld(stream, "c1", "expired", 1_500), entry(1, 1_000));
      assert.deepEqual(
        (await store.expiredHeld(1_500, 100)).filter((e) => e.record.streamId === stream),
        [],
      );
      await store.close();
    } finally {
      await f.dispose();
    }
  });
}
