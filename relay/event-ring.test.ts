import assert from "node:assert/strict";
import { test } from "vitest";
import { testComment, testCommentEvent } from "../core/comment-fixtures.js";
import type { LogEvent } from "../core/log-event.js";
import { commentEvent } from "../core/log-event.js";
import { StreamEventRing, approximateEventBytes } from "./event-ring.js";

const seqs = (events: readonly { seq: number }[] | undefined) => events?.map((e) => e.seq);
const deletion = (seq: number, of: number): LogEvent => ({
  kind: "deletion",
  streamId: "s1",
  seq,
  commentId: testComment(of).commentId,
  deletedAt: 1,
  offsetMs: 0,
  commentSeq: of,
  moderatorId: "m",
});

test("should keep the newest events within the count limit", () => {
  const ring = new StreamEventRing(3, 1 << 20);
  for (let seq = 1; seq <= 5; seq++) ring.push(testCommentEvent(seq));
  assert.equal(ring.size, 3);
  assert.equal(ring.oldestSeq, 3);
  assert.deepEqual(seqs(ring.after(3)), [4, 5]);
  assert.deepEqual(seqs(ring.after(5)), []);
});

test("should answer undefined for a cursor older than what it holds", () => {
  const ring = new StreamEventRing(3, 1 << 20);
  assert.equal(ring.after(0), undefined);
  for (let seq = 1; seq <= 5; seq++) ring.push(testCommentEvent(seq));
  assert.equal(ring.after(2), undefined);
});

test("should find the resume point across gaps in seq", () => {
  const ring = new StreamEventRing(100, 1 << 20);
  for (const seq of [10, 13, 20, 21, 40]) ring.push(testCommentEvent(seq));
  assert.deepEqual(seqs(ring.after(15)), [20, 21, 40]);
  assert.deepEqual(seqs(ring.after(10)), [13, 20, 21, 40]);
});

test("should ignore redelivered events", () => {
  const ring = new StreamEventRing(10, 1 << 20);
  assert.equal(ring.push(testCommentEvent(1)), true);
  assert.equal(ring.push(testCommentEvent(2)), true);
  assert.equal(ring.push(testCommentEvent(2)), false);
  assert.equal(ring.push(testCommentEvent(1)), false);
  assert.equal(ring.size, 2);
});

test("should hold a comment once when the log holds a second copy of it at a later seq", () => {
  const ring = new StreamEventRing(10, 1 << 20);
  const first = testComment(1);
  assert.equal(ring.push(commentEvent(first)), true);
  assert.equal(ring.push(commentEvent({ ...first, seq: 2 })), false);
  ring.push(testCommentEvent(3));
  assert.deepEqual(seqs(ring.newerThan(0)), [1, 3]);
  assert.equal(ring.newestSeq, 3);
});

test("should never read out a comment a deletion took down, but pass the deletion on", () => {
  const ring = new StreamEventRing(10, 1 << 20);
  for (let seq = 1; seq <= 4; seq++) ring.push(testCommentEvent(seq));
  ring.push(deletion(5, 2));
  assert.deepEqual(seqs(ring.after(1)), [3, 4, 5]);
  assert.deepEqual(
    ring.recentComments(10).map((c) => c.seq),
    [1, 3, 4],
  );
  assert.deepEqual(
    ring.recentComments(2).map((c) => c.seq),
    [3, 4],
    "the most recent, oldest first",
  );
});

test("should stay within the byte limit", () => {
  const one = approximateEventBytes(testCommentEvent(1));
  const ring = new StreamEventRing(1000, one * 4);
  for (let seq = 1; seq <= 100; seq++) ring.push(testCommentEvent(seq));
  assert.ok(ring.bytes <= one * 4);
  assert.equal(ring.newestSeq, 100);
  assert.ok(ring.size >= 3);
});

test("should grow its storage and stay in order past its first capacity", () => {
  const ring = new StreamEventRing(500, 1 << 30);
  for (let seq = 1; seq <= 1200; seq++) ring.push(testCommentEvent(seq));
  assert.deepEqual(seqs(ring.after(1195)), [1196, 1197, 1198, 1199, 1200]);
  assert.equal(ring.oldestSeq, 701);
});
