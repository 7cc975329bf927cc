import assert from "node:assert/strict";
import { test } from "vitest";
import type { LogEvent } from "../core/log-event.js";
import { testCommentEvent } from "../core/comment-fixtures.js";
import type { RelayEvent } from "../ports/fanout/index.js";
import { FanoutRelay } from "./fanout-relay.js";

function collect(): { events: RelayEvent[]; listener: (event: RelayEvent) => void; seqs: () => (number | string)[] } {
  const events: RelayEvent[] = [];
  return {
    events,
    listener: (event) => events.push(event),
    seqs: () =>
      events.flatMap((e): (number | string)[] =>
        e.kind === "comment" ? [e.comment.seq] : e.kind === "reset" ? [`reset(after ${e.afterSeq})@${e.oldestAvailableSeq}`] : [],
      ),
  };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

test("should deliver live comments of the subscribed stream only", () => {
  const relay = new FanoutRelay();
  const viewer = collect();
  relay.subscribe("s1", undefined, viewer.listener);
  relay.publish([testCommentEvent(1, "s1"), testCommentEvent(1, "s2"), testCommentEvent(2, "s1")]);
  assert.deepEqual(viewer.seqs(), [1, 2]);
});

test("should replay from the ring then go live with no gap and no duplicate", () => {
  const relay = new FanoutRelay();
  relay.publish([1, 2, 3, 4].map((seq) => testCommentEvent(seq)));
  const viewer = collect();
  relay.subscribe("s1", 2, viewer.listener);
  relay.publish([testCommentEvent(4), testCommentEvent(5)]);
  assert.deepEqual(viewer.seqs(), [3, 4, 5]);
});

test("should stop delivering after unsubscribe", () => {
  const relay = new FanoutRelay();
  const viewer = collect();
  const unsubscribe = relay.subscribe("s1", undefined, viewer.listener);
  relay.publish([testCommentEvent(1)]);
  unsubscribe();
  relay.publish([testCommentEvent(2)]);
  assert.deepEqual(viewer.seqs(), [1]);
});

test("should read older comments from history and join live comments that arrive meanwhile", async () => {
  const log: LogEvent[] = [1, 2, 3, 4, 5, 6].map((seq) => testCommentEvent(seq));
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const relay = new FanoutRelay({
    ringMaxCount: 2,
    history: {
      async readAfter(_streamId, afterSeq, limit) {
        await gate;
        return log.filter((c) => c.seq > afterSeq).slice(0, limit);
      },
      readRecent: async () => [],
    },
  });
  relay.publish(log.slice(0, 5)); // ring keeps 4 and 5
  const viewer = collect();
  relay.subscribe("s1", 1, viewer.listener);
  relay.publish([testCommentEvent(6), testCommentEvent(7)]); // 6 is in history too; 7 only live
  log.push(testCommentEvent(7));
  release();
  await flush();
  relay.publish([testCommentEvent(8)]);
  assert.deepEqual(viewer.seqs(), [2, 3, 4, 5, 6, 7, 8]);
});

test("should reset when there is no history and the cursor is older than the ring", () => {
  const relay = new FanoutRelay({ ringMaxCount: 2 });
  relay.publish([1, 2, 3, 4].map((seq) => testCommentEvent(seq)));
  const viewer = collect();
  relay.subscribe("s1", 1, viewer.listener);
  relay.publish([testCommentEvent(5)]);
  assert.deepEqual(viewer.seqs(), ["reset(after 1)@3", 5]);
});

test("should reset when the replay would exceed its bound", async () => {
  const log = Array.from({ length: 50 }, (_, i) => testCommentEvent(i + 1));
  const relay = new FanoutRelay({
    ringMaxCount: 5,
    maxReplay: 10,
    history: { readAfter: async (_s, afterSeq, limit) => log.filter((c) => c.seq > afterSeq).slice(0, limit), readRecent: async () => [] },
  });
  relay.publish(log);
  const viewer = collect();
  relay.subscribe("s1", 0, viewer.listener);
  await flush();
  relay.publish([testCommentEvent(51)]);
  assert.deepEqual(viewer.seqs(), ["reset(after 0)@46", 51]);
});

test("should bound the number of rings, dropping the least recently active stream", () => {
  const relay = new FanoutRelay({ maxRings: 2 });
  relay.publish([testCommentEvent(1, "a"), testCommentEvent(1, "b"), testCommentEvent(2, "a"), testCommentEvent(1, "c")]);
  assert.equal(relay.ringCount, 2);
  const viewer = collect();
  relay.subscribe("a", 1, viewer.listener);
  assert.deepEqual(viewer.seqs(), [2]); // "a" was active after "b", so "b" lost its ring
});

test("should keep all rings together under their byte ceiling, dropping the least recently active", () => {
  const one = 200 + 2 * ("comment 1".length + "User".length + "u1".length);
  const relay = new FanoutRelay({ ringsMaxBytes: one * 10 });
  for (let seq = 1; seq <= 5; seq++) relay.publish([testCommentEvent(seq, "a"), testCommentEvent(seq, "b"), testCommentEvent(seq, "c")]);
  assert.ok(relay.ringBytes <= one * 10, `${relay.ringBytes} bytes`);
  assert.equal(relay.ringCount, 2, "the stream least recently active lost its ring");
  const viewer = collect();
  relay.subscribe("a", 3, viewer.listener);
  assert.deepEqual(viewer.seqs(), ["reset(after 3)@0"]);
});

test("should drop rings of streams idle past the limit when swept", () => {
  let now = 0;
  const relay = new FanoutRelay({ ringIdleMs: 1000, clock: { now: () => now } });
  relay.publish([testCommentEvent(1, "old")]);
  now = 600;
  relay.publish([testCommentEvent(1, "recent")]);
  now = 1200;
  relay.sweep();
  assert.equal(relay.ringCount, 1);
  assert.equal(relay.ringBytes > 0, true);
  now = 5000;
  relay.sweep();
  assert.equal(relay.ringCount, 0);
  assert.equal(relay.ringBytes, 0);
});

test("should not reset a cursor it merely has nothing after, when it saw everything since", () => {
  const relay = new FanoutRelay({ ringMaxCount: 3 });
  relay.setCoverage(() => 100); // the relay's consumer started after seq 100
  const quiet = collect();
  relay.subscribe("quiet", 150, quiet.listener);
  relay.publish([testCommentEvent(160, "quiet")]);
  assert.deepEqual(quiet.seqs(), [160], "no reset: nothing after 150 was missed");

  const old = collect();
  relay.subscribe("quiet", 50, old.listener);
  assert.deepEqual(old.seqs(), ["reset(after 50)@160"], "before the relay started: a reset");

  relay.publish([161, 162, 163].map((seq) => testCommentEvent(seq, "quiet"))); // the ring drops 160
  const dropped = collect();
  relay.subscribe("quiet", 155, dropped.listener);
  assert.deepEqual(dropped.seqs(), ["reset(after 155)@161"], "the ring dropped what came after the cursor");
  const recent = collect();
  relay.subscribe("quiet", 160, recent.listener);
  assert.deepEqual(recent.seqs(), [161, 162, 163]);
});

test("should not hand a subscriber its own cursor when the relay reaches it later", () => {
  const relay = new FanoutRelay();
  relay.setCoverage(() => 0);
  const viewer = collect();
  relay.subscribe("s1", 5, viewer.listener); // a cursor from ingest, ahead of the relay
  relay.publish([4, 5, 6].map((seq) => testCommentEvent(seq)));
  assert.deepEqual(viewer.seqs(), [6]);
});

test("should tell a subscriber without a cursor where it starts, so it can resume from there", () => {
  const relay = new FanoutRelay();
  relay.setCoverage(() => 41); // the relay's consumer started after seq 41
  const fresh = collect();
  relay.subscribe("new", undefined, fresh.listener);
  assert.deepEqual(fresh.events[0], { kind: "position", afterSeq: 41 }, "no comment yet: where the relay started");
  relay.publish([testCommentEvent(50, "new"), testCommentEvent(51, "new")]);
  const later = collect();
  relay.subscribe("new", undefined, later.listener);
  assert.deepEqual(later.events[0], { kind: "position", afterSeq: 51 }, "the newest comment it holds");
  // Cut off at that point, the subscriber resumes from its position and misses nothing.
  relay.publish([testCommentEvent(52, "new")]);
  const resumed = collect();
  relay.subscribe("new", 51, resumed.listener);
  assert.deepEqual(resumed.seqs(), [52]);

  const unknown = collect();
  new FanoutRelay().subscribe("x", undefined, unknown.listener);
  assert.deepEqual(unknown.events, [], "a relay that knows nothing says nothing");
});

test("should start a cursorless subscription with the recent comments the ring holds, then its position, then live events", () => {
  const relay = new FanoutRelay();
  relay.publish([1, 2, 3, 4, 5].map((seq) => testCommentEvent(seq)));
  relay.publish([
    { kind: "deletion", streamId: "s1", seq: 6, commentId: testCommentEvent(4).comment.commentId, deletedAt: 1, offsetMs: 40, commentSeq: 4, moderatorId: "m" },
  ]);
  const viewer = collect();
  relay.subscribe("s1", undefined, viewer.listener, 3);
  relay.publish([testCommentEvent(7)]);
  assert.deepEqual(
    viewer.events.map((e) =>
      e.kind === "history" ? `history ${e.comments.map((c) => c.seq).join(",")}` : e.kind === "position" ? `position ${e.afterSeq}` : e.kind,
    ),
    ["history 2,3,5", "position 6", "comment"],
  );
});

test("should read the recent comments from the log when the ring holds too few, without sending one twice", async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const relay = new FanoutRelay({
    history: {
      readAfter: async () => [],
      async readRecent() {
        await gate;
        return [1, 2, 3].map((seq) => testCommentEvent(seq).comment); // the log is ahead of the relay
      },
    },
  });
  relay.publish([testCommentEvent(1)]);
  const viewer = collect();
  relay.subscribe("s1", undefined, viewer.listener, 50);
  relay.publish([testCommentEvent(2), testCommentEvent(3), testCommentEvent(4)]); // arrive while the log is read
  release();
  await flush();
  relay.publish([testCommentEvent(5)]);
  assert.deepEqual(
    viewer.events.map((e) => (e.kind === "history" ? `history ${e.comments.map((c) => c.seq).join(",")}` : e.kind === "comment" ? e.seq : e.kind)),
    ["history 1,2,3", "position", 4, 5],
  );
});
