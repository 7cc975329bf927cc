import assert from "node:assert/strict";
import { test } from "vitest";
import type { Comment } from "../core/comment.js";
import { testComment } from "../core/comment-fixtures.js";
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
  relay.publish([testComment(1, "s1"), testComment(1, "s2"), testComment(2, "s1")]);
  assert.deepEqual(viewer.seqs(), [1, 2]);
});

test("should replay from the ring then go live with no gap and no duplicate", () => {
  const relay = new FanoutRelay();
  relay.publish([1, 2, 3, 4].map((seq) => testComment(seq)));
  const viewer = collect();
  relay.subscribe("s1", 2, viewer.listener);
  relay.publish([testComment(4), testComment(5)]);
  assert.deepEqual(viewer.seqs(), [3, 4, 5]);
});

test("should stop delivering after unsubscribe", () => {
  const relay = new FanoutRelay();
  const viewer = collect();
  const unsubscribe = relay.subscribe("s1", undefined, viewer.listener);
  relay.publish([testComment(1)]);
  unsubscribe();
  relay.publish([testComment(2)]);
  assert.deepEqual(viewer.seqs(), [1]);
});

test("should read older comments from history and join live comments that arrive meanwhile", async () => {
  const log: Comment[] = [1, 2, 3, 4, 5, 6].map((seq) => testComment(seq));
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const relay = new FanoutRelay({
    ringMaxCount: 2,
    history: {
      async readAfter(_streamId, afterSeq, limit) {
        await gate;
        return log.filter((c) => c.seq > afterSeq).slice(0, limit);
      },
    },
  });
  relay.publish(log.slice(0, 5)); // ring keeps 4 and 5
  const viewer = collect();
  relay.subscribe("s1", 1, viewer.listener);
  relay.publish([testComment(6), testComment(7)]); // 6 is in history too; 7 only live
  log.push(testComment(7));
  release();
  await flush();
  relay.publish([testComment(8)]);
  assert.deepEqual(viewer.seqs(), [2, 3, 4, 5, 6, 7, 8]);
});

test("should reset when there is no history and the cursor is older than the ring", () => {
  const relay = new FanoutRelay({ ringMaxCount: 2 });
  relay.publish([1, 2, 3, 4].map((seq) => testComment(seq)));
  const viewer = collect();
  relay.subscribe("s1", 1, viewer.listener);
  relay.publish([testComment(5)]);
  assert.deepEqual(viewer.seqs(), ["reset(after 1)@3", 5]);
});

test("should reset when the replay would exceed its bound", async () => {
  const log = Array.from({ length: 50 }, (_, i) => testComment(i + 1));
  const relay = new FanoutRelay({
    ringMaxCount: 5,
    maxReplay: 10,
    history: { readAfter: async (_s, afterSeq, limit) => log.filter((c) => c.seq > afterSeq).slice(0, limit) },
  });
  relay.publish(log);
  const viewer = collect();
  relay.subscribe("s1", 0, viewer.listener);
  await flush();
  relay.publish([testComment(51)]);
  assert.deepEqual(viewer.seqs(), ["reset(after 0)@46", 51]);
});

test("should bound the number of rings, dropping the least recently active stream", () => {
  const relay = new FanoutRelay({ maxRings: 2 });
  relay.publish([testComment(1, "a"), testComment(1, "b"), testComment(2, "a"), testComment(1, "c")]);
  assert.equal(relay.ringCount, 2);
  const viewer = collect();
  relay.subscribe("a", 1, viewer.listener);
  assert.deepEqual(viewer.seqs(), [2]); // "a" was active after "b", so "b" lost its ring
});

test("should keep all rings together under their byte ceiling, dropping the least recently active", () => {
  const one = 200 + 2 * ("comment 1".length + "User".length + "u1".length);
  const relay = new FanoutRelay({ ringsMaxBytes: one * 10 });
  for (let seq = 1; seq <= 5; seq++) relay.publish([testComment(seq, "a"), testComment(seq, "b"), testComment(seq, "c")]);
  assert.ok(relay.ringBytes <= one * 10, `${relay.ringBytes} bytes`);
  assert.equal(relay.ringCount, 2, "the stream least recently active lost its ring");
  const viewer = collect();
  relay.subscribe("a", 3, viewer.listener);
  assert.deepEqual(viewer.seqs(), ["reset(after 3)@0"]);
});

test("should drop rings of streams idle past the limit when swept", () => {
  let now = 0;
  const relay = new FanoutRelay({ ringIdleMs: 1000, clock: { now: () => now } });
  relay.publish([testComment(1, "old")]);
  now = 600;
  relay.publish([testComment(1, "recent")]);
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
  relay.publish([testComment(160, "quiet")]);
  assert.deepEqual(quiet.seqs(), [160], "no reset: nothing after 150 was missed");

  const old = collect();
  relay.subscribe("quiet", 50, old.listener);
  assert.deepEqual(old.seqs(), ["reset(after 50)@160"], "before the relay started: a reset");

  relay.publish([161, 162, 163].map((seq) => testComment(seq, "quiet"))); // the ring drops 160
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
  relay.publish([4, 5, 6].map((seq) => testComment(seq)));
  assert.deepEqual(viewer.seqs(), [6]);
});

test("should tell a subscriber without a cursor where it starts, so it can resume from there", () => {
  const relay = new FanoutRelay();
  relay.setCoverage(() => 41); // the relay's consumer started after seq 41
  const fresh = collect();
  relay.subscribe("new", undefined, fresh.listener);
  assert.deepEqual(fresh.events[0], { kind: "position", afterSeq: 41 }, "no comment yet: where the relay started");
  relay.publish([testComment(50, "new"), testComment(51, "new")]);
  const later = collect();
  relay.subscribe("new", undefined, later.listener);
  assert.deepEqual(later.events[0], { kind: "position", afterSeq: 51 }, "the newest comment it holds");
  // Cut off at that point, the subscriber resumes from its position and misses nothing.
  relay.publish([testComment(52, "new")]);
  const resumed = collect();
  relay.subscribe("new", 51, resumed.listener);
  assert.deepEqual(resumed.seqs(), [52]);

  const unknown = collect();
  new FanoutRelay().subscribe("x", undefined, unknown.listener);
  assert.deepEqual(unknown.events, [], "a relay that knows nothing says nothing");
});
