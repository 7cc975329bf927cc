import assert from "node:assert/strict";
import { test } from "vitest";
import { testComment } from "../../core/comment-fixtures.js";
import type { Comment } from "../../core/comment.js";
import type { ArchiveStore } from "./index.js";

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
}
