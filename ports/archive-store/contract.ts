import assert from "node:assert/strict";
import { test } from "vitest";
import { testComment } from "../../core/comment-fixtures.js";
import type { Comment } from "../../core/comment.js";
import type { ArchiveStore } from "./index.js";
import { secondOf } from "./index.js";

/** The guarantees of {@link ArchiveStore}, run against one adapter. */
export function archiveStoreContract(name: string, open: () => Promise<{ store: ArchiveStore; dispose(): Promise<void> }>): void {
  const withStore = async (body: (store: ArchiveStore, streamId: string) => Promise<void>) => {
    const { store, dispose } = await open();
    try {
      await body(store, `s${Math.random().toString(36).slice(2, 10)}`);
    } finally {
      await store.close();
      await dispose();
    }
  };
  const at = (streamId: string, seq: number, offsetMs: number): Comment => ({ ...testComment(seq, streamId), offsetMs });
  const seqs = (comments: Comment[]) => comments.map((c) => c.seq);

  test(`${name}: should return exactly the window [from, to) ordered by offset then seq`, () =>
    withStore(async (store, id) => {
      await store.write([at(id, 4, 2000), at(id, 1, 999), at(id, 2, 1000), at(id, 5, 1000), at(id, 3, 1500), at(id, 6, 3000)]);
      await store.write([at(`${id}x`, 7, 1200)]);
      const page = await store.window({ streamId: id, fromMs: 1000, toMs: 2000, limit: 100 });
      assert.deepEqual(seqs(page), [2, 5, 3]);
      assert.deepEqual(await store.window({ streamId: id, fromMs: 5000, toMs: 6000, limit: 100 }), []);
    }));

  test(`${name}: should keep every comment of a large write to one stream, long texts included`, () =>
    withStore(async (store, id) => {
      const many = Array.from({ length: 300 }, (_, i) => ({ ...at(id, i + 1, 1000 + i), text: `${i} ${"é".repeat(200)}` }));
      await store.write(many);
      const read = await store.window({ streamId: id, fromMs: 0, toMs: 10_000, limit: 500 });
      assert.deepEqual(seqs(read), seqs(many));
      assert.equal(read[299]!.text, many[299]!.text);
    }));

  test(`${name}: should page after a cursor`, () =>
    withStore(async (store, id) => {
      await store.write([1, 2, 3, 4, 5].map((seq) => at(id, seq, 100)));
      const first = await store.window({ streamId: id, fromMs: 0, toMs: 1000, limit: 2 });
      assert.deepEqual(seqs(first), [1, 2]);
      const second = await store.window({ streamId: id, fromMs: 0, toMs: 1000, limit: 2, after: { offsetMs: 100, seq: 2 } });
      assert.deepEqual(seqs(second), [3, 4]);
    }));

  test(`${name}: should count each comment once, across buckets and rewrites`, () =>
    withStore(async (store, id) => {
      const batch = [0, 30_000, 61_000, 125_000, 125_000].map((offset, i) => at(id, i + 1, offset));
      await store.write(batch);
      await store.write(batch.slice(1, 3));
      assert.equal(await store.count(id, 0), 5);
      assert.equal(await store.count(id, 200_000), 5, "sealing what cannot change keeps the count");
      await store.write(batch);
      assert.equal(await store.count(id, 200_000), 5);
      assert.equal(await store.count(`${id}-none`, 0), 0);
    }));

  test(`${name}: should be idempotent when a batch is written again`, () =>
    withStore(async (store, id) => {
      const batch = [1, 2, 3].map((seq) => at(id, seq, seq * 10));
      await store.write(batch);
      await store.write(batch);
      await store.write([batch[1]!]);
      const all = await store.window({ streamId: id, fromMs: 0, toMs: 1000, limit: 100 });
      assert.deepEqual(seqs(all), [1, 2, 3]);
      assert.deepEqual(all[0], batch[0]);
    }));

  test(`${name}: should find a comment by id, and take one down for good: from windows, counts and later rewrites`, () =>
    withStore(async (store, id) => {
      const batch = [1, 2, 3].map((seq) => at(id, seq, seq * 1000));
      await store.write(batch);
      const doomed = batch[1]!;
      assert.deepEqual(await store.find(id, doomed.commentId, doomed.offsetMs), doomed);
      assert.equal(await store.find(id, "no-such-comment", doomed.offsetMs), undefined);
      await store.remove([{ streamId: id, commentId: doomed.commentId, offsetMs: doomed.offsetMs, deletedAt: Date.now() }]);
      await store.write(batch); // the log replayed after a restart
      const all = await store.window({ streamId: id, fromMs: 0, toMs: 10_000, limit: 100 });
      assert.deepEqual(seqs(all), [1, 3]);
      assert.equal(await store.count(id, 0), 2);
      assert.equal(await store.count(id, 200_000), 2, "and once what cannot change is sealed");
      assert.equal(await store.find(id, doomed.commentId, doomed.offsetMs), undefined);
    }));

  /** The second counts the stored comments give, read through windows. */
  const countedFromWindows = async (store: ArchiveStore, id: string) => {
    const counts = new Map<number, number>();
    for (const c of await store.window({ streamId: id, fromMs: 0, toMs: 130_000, limit: 10_000 })) {
      counts.set(secondOf(c.offsetMs), (counts.get(secondOf(c.offsetMs)) ?? 0) + 1);
    }
    return [...counts].sort(([a], [b]) => a - b).map(([second, count]) => ({ second, count }));
  };

  test(`${name}: should count each second's comments once, through rewrites, deletions and deletions applied again`, () =>
    withStore(async (store, id) => {
      const batch = [0, 999, 1000, 1500, 1500, 61_999, 62_000, 125_000].map((offset, i) => at(id, i + 1, offset));
      await store.write(batch);
      await store.write(batch.slice(2, 6)); // redelivered
      assert.deepEqual(await store.secondCounts(id), [
        { second: 0, count: 2 },
        { second: 1, count: 3 },
        { second: 61, count: 1 },
        { second: 62, count: 1 },
        { second: 125, count: 1 },
      ]);
      const deleted = { streamId: id, commentId: batch[3]!.commentId, offsetMs: batch[3]!.offsetMs, deletedAt: Date.now() };
      await store.remove([deleted]);
      await store.remove([deleted]); // the deletion redelivered
      await store.write(batch); // and the whole log after it
      await store.remove([{ ...deleted, commentId: "never-stored" }]);
      const expected = [
        { second: 0, count: 2 },
        { second: 1, count: 2 },
        { second: 61, count: 1 },
        { second: 62, count: 1 },
        { second: 125, count: 1 },
      ];
      assert.deepEqual(await store.secondCounts(id), expected);
      assert.deepEqual(await countedFromWindows(store, id), expected);
      await store.remove([{ streamId: id, commentId: batch[7]!.commentId, offsetMs: batch[7]!.offsetMs, deletedAt: Date.now() }]);
      assert.deepEqual(await store.secondCounts(id), expected.slice(0, 4), "a second left empty is left out");
      assert.deepEqual(await store.secondCounts(`${id}-none`), []);
    }));

  test(`${name}: should agree with the stored comments after interleaved random writes and deletions`, () =>
    withStore(async (store, id) => {
      let seed = 7;
      const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
      const all = Array.from({ length: 400 }, (_, i) => at(id, i + 1, Math.floor(random() * 20_000)));
      for (let round = 0; round < 6; round++) {
        const from = Math.floor(random() * 300);
        await store.write(all.slice(from, from + 100));
        const doomed = all.filter(() => random() < 0.03);
        await store.remove(doomed.map((c) => ({ streamId: id, commentId: c.commentId, offsetMs: c.offsetMs, deletedAt: Date.now() })));
      }
      assert.deepEqual(await store.secondCounts(id), await countedFromWindows(store, id));
    }));
}
