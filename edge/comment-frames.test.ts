import assert from "node:assert/strict";
import { test } from "vitest";
import { TestScheduler } from "rxjs/testing";
import { map } from "rxjs";
import { testComment, testCommentEvent } from "../core/comment-fixtures.js";
import type { RelayEvent } from "../ports/fanout/index.js";
import { commentEvent } from "../core/log-event.js";
import { toFrames, withOwnComments } from "./comment-frames.js";

const scheduler = () => new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
const events: Record<string, RelayEvent> = {
  a: testCommentEvent(1),
  b: testCommentEvent(2),
  c: testCommentEvent(3),
  r: { kind: "reset", afterSeq: 3, oldestAvailableSeq: 7 },
};
const describeFrame = map((frame: { kind: string; comments?: readonly { seq: number }[] }) =>
  frame.kind === "reset" ? "reset" : frame.comments!.map((c) => c.seq).join(","),
);

test("should send a comment after a quiet spell at once, and what follows within the window together when it is up", () => {
  const ts = scheduler();
  ts.run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold("a-b-c 20ms d 100ms |", { ...events, d: testCommentEvent(4) });
    expectObservable(source.pipe(toFrames(10, { scheduler: ts }), describeFrame)).toBe("x 9ms y 14ms z 100ms |", { x: "1", y: "2,3", z: "4" });
    expectSubscriptions(source.subscriptions).toBe("^ 125ms !");
  });
});

test("should send each comment at once as new_comment when the window is 0", () => {
  const ts = scheduler();
  ts.run(({ cold, expectObservable }) => {
    const frames = cold("ab|", events).pipe(toFrames(0, { scheduler: ts }));
    expectObservable(frames.pipe(describeFrame)).toBe("xy|", { x: "1", y: "2" });
  });
  const bytes: string[] = [];
  new TestScheduler(() => {}).run(({ cold }) => {
    cold("a|", events)
      .pipe(toFrames(0))
      .subscribe((frame) => bytes.push(frame.bytes.toString()));
  });
  assert.match(bytes[0]!, /^event: new_comment\nid: 1\ndata: \{"comment_id":"c-s1-1",/);
});

test("should flush a full window early", () => {
  const ts = scheduler();
  ts.run(({ cold, expectObservable }) => {
    expectObservable(cold("abc|", events).pipe(toFrames(50, { maxBatch: 2, scheduler: ts }), describeFrame)).toBe("x-y|", { x: "1", y: "2,3" });
  });
});

test("should pass a reset at once after flushing the open window", () => {
  const ts = scheduler();
  ts.run(({ cold, expectObservable }) => {
    expectObservable(cold("ab-r-c 20ms |", { ...events, r: events.r!, c: testCommentEvent(3) }).pipe(toFrames(10, { scheduler: ts }), describeFrame)).toBe(
      "x--(yr) 6ms z 12ms |",
      { x: "1", y: "2", r: "reset", z: "3" },
    );
  });
});

test("should stop its timer when unsubscribed", () => {
  const ts = scheduler();
  ts.run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold("a-b 100ms |", events);
    expectObservable(source.pipe(toFrames(10, { scheduler: ts }), describeFrame), "^ 5ms !").toBe("x", { x: "1" });
    expectSubscriptions(source.subscriptions).toBe("^ 5ms !");
  });
});

test("should sample a hot stream down to the viewer's rate and say how many were left out", () => {
  const ts = scheduler();
  ts.run(({ cold, expectObservable }) => {
    const many: Record<string, RelayEvent> = {};
    const marbles = Array.from({ length: 20 }, (_, i) => {
      const key = String.fromCharCode(97 + i);
      many[key] = testCommentEvent(i + 1);
      return key;
    }).join("");
    // 20 comments in one turn, a cap of 4/s: one second of burst keeps 4, evenly spread.
    const frames = cold(`(${marbles}) 200ms |`, many).pipe(toFrames(100, { maxRate: 4, scheduler: ts }));
    expectObservable(
      frames.pipe(
        map((f) => (f.kind === "comments" ? `${f.comments.map((c) => c.seq).join(",")}|-${f.omitted.length}|${f.firstSeq}-${f.throughSeq}` : "reset")),
      ),
    ).toBe("x 221ms |", { x: "3,8,13,18|-16|1-20" });
  });
});

test("should write the left-out count with an id past them, and put a viewer's own left-out comments first", () => {
  let bytes = "";
  new TestScheduler(() => {}).run(({ cold }) => {
    const own = { ...testComment(1), userId: "me" };
    cold("(abc)|", {
      a: commentEvent(own),
      b: testCommentEvent(2),
      c: testCommentEvent(3),
    } as Record<string, RelayEvent>)
      .pipe(toFrames(10, { maxRate: 1 }), map(withOwnComments("me", false)))
      .subscribe((chunk) => (bytes += chunk.toString()));
  });
  const events = bytes.split("\n\n").filter(Boolean);
  assert.equal(events.length, 3, bytes);
  assert.match(events[0]!, /^event: comments\ndata: \[\{"comment_id":"c-s1-1","stream_id":"s1","user_id":"me"/, "own comment first, without an id");
  assert.match(events[1]!, /^event: comments\nid: 2\ndata: \[\{"comment_id":"c-s1-2"/);
  assert.equal(events[2], 'event: omitted\nid: 3\ndata: {"count":2,"through_seq":3}');
});

test("should tell a rate-capped viewer at once what a batch that kept nothing left out, its own comment included, though the stream then goes quiet", () => {
  let bytes = "";
  new TestScheduler(() => {}).run(({ cold }) => {
    const own = { ...testComment(3), userId: "me" };
    cold("a 50ms (bc) 1000ms |", {
      a: testCommentEvent(1),
      b: testCommentEvent(2),
      c: commentEvent(own),
    } as Record<string, RelayEvent>)
      .pipe(toFrames(10, { maxRate: 1 }), map(withOwnComments("me", false)))
      .subscribe((chunk) => (bytes += chunk.toString()));
  });
  const events = bytes.split("\n\n").filter(Boolean);
  assert.equal(events.length, 3, bytes);
  assert.match(events[0]!, /^event: comments\nid: 1\n/, "the burst of one");
  assert.match(events[1]!, /^event: comments\ndata: \[\{"comment_id":"c-s1-3","stream_id":"s1","user_id":"me"/, "own comment, without an id");
  assert.equal(events[2], 'event: omitted\nid: 3\ndata: {"count":2,"through_seq":3}');
});
