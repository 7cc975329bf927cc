import assert from "node:assert/strict";
import { test } from "vitest";
import { testComment } from "../core/comment-fixtures.js";
import { CommentRing, approximateCommentBytes } from "./comment-ring.js";

const seqs = (comments: readonly { seq: number }[] | undefined) => comments?.map((c) => c.seq);

test("should keep the newest comments within the count limit", () => {
  const ring = new CommentRing(3, 1 << 20);
  for (let seq = 1; seq <= 5; seq++) ring.push(testComment(seq));
  assert.equal(ring.size, 3);
  assert.equal(ring.oldestSeq, 3);
  assert.deepEqual(seqs(ring.after(3)), [4, 5]);
  assert.deepEqual(seqs(ring.after(5)), []);
});

test("should answer undefined for a cursor older than what it holds", () => {
  const ring = new CommentRing(3, 1 << 20);
  assert.equal(ring.after(0), undefined);
  for (let seq = 1; seq <= 5; seq++) ring.push(testComment(seq));
  assert.equal(ring.after(2), undefined);
});

test("should find the resume point across gaps in seq", () => {
  const ring = new CommentRing(100, 1 << 20);
  for (const seq of [10, 13, 20, 21, 40]) ring.push(testComment(seq));
  assert.deepEqual(seqs(ring.after(15)), [20, 21, 40]);
  assert.deepEqual(seqs(ring.after(10)), [13, 20, 21, 40]);
});

test("should ignore redelivered comments", () => {
  const ring = new CommentRing(10, 1 << 20);
  assert.equal(ring.push(testComment(1)), true);
  assert.equal(ring.push(testComment(2)), true);
  assert.equal(ring.push(testComment(2)), false);
  assert.equal(ring.push(testComment(1)), false);
  assert.equal(ring.size, 2);
});

test("should stay within the byte limit", () => {
  const one = approximateCommentBytes(testComment(1));
  const ring = new CommentRing(1000, one * 4);
  for (let seq = 1; seq <= 100; seq++) ring.push(testComment(seq));
  assert.ok(ring.bytes <= one * 4);
  assert.equal(ring.newestSeq, 100);
  assert.ok(ring.size >= 3);
});

test("should grow its storage and stay in order past its first capacity", () => {
  const ring = new CommentRing(500, 1 << 30);
  for (let seq = 1; seq <= 1200; seq++) ring.push(testComment(seq));
  assert.deepEqual(seqs(ring.after(1195)), [1196, 1197, 1198, 1199, 1200]);
  assert.equal(ring.oldestSeq, 701);
});
