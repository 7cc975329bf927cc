import assert from "node:assert/strict";
import { test } from "node:test";
import { TestScheduler } from "rxjs/testing";
import { map } from "rxjs";
import { testComment } from "../core/comment-fixtures.js";
import type { RelayEvent } from "../ports/fanout/index.js";
import { toFrames } from "./comment-frames.js";

const scheduler = () => new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
const events: Record<string, RelayEvent> = {
  a: { kind: "comment", comment: testComment(1) },
  b: { kind: "comment", comment: testComment(2) },
  c: { kind: "comment", comment: testComment(3) },
  r: { kind: "reset", afterSeq: 3, oldestAvailableSeq: 7 },
};
const describeFrame = map((frame: { kind: string; comments?: readonly { seq: number }[] }) =>
  frame.kind === "reset" ? "reset" : frame.comments!.map((c) => c.seq).join(","),
);

test("should coalesce comments into one frame per window opened by the first comment", () => {
  const ts = scheduler();
  ts.run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold("a-b 20ms c 100ms |", events);
    expectObservable(source.pipe(toFrames(10, 500, ts), describeFrame)).toBe("10ms x 22ms y 90ms |", { x: "1,2", y: "3" });
    expectSubscriptions(source.subscriptions).toBe("^ 123ms !");
  });
});

test("should send each comment at once as new_comment when the window is 0", () => {
  const ts = scheduler();
  ts.run(({ cold, expectObservable }) => {
    const frames = cold("ab|", events).pipe(toFrames(0, 500, ts));
    expectObservable(frames.pipe(describeFrame)).toBe("xy|", { x: "1", y: "2" });
  });
  const bytes: string[] = [];
  new TestScheduler(() => {}).run(({ cold }) => {
    cold("a|", events).pipe(toFrames(0, 500)).subscribe((frame) => bytes.push(frame.bytes.toString()));
  });
  assert.match(bytes[0]!, /^event: new_comment\nid: 1\ndata: \{"comment_id":"c-s1-1",/);
});

test("should flush a full window early", () => {
  const ts = scheduler();
  ts.run(({ cold, expectObservable }) => {
    expectObservable(cold("abc|", events).pipe(toFrames(50, 2, ts), describeFrame)).toBe("-x-(y|)", { x: "1,2", y: "3" });
  });
});

test("should pass a reset at once after flushing the open window", () => {
  const ts = scheduler();
  ts.run(({ cold, expectObservable }) => {
    expectObservable(cold("a-r-b 20ms |", events).pipe(toFrames(10, 500, ts), describeFrame)).toBe("--(xr) 8ms y 10ms |", {
      x: "1",
      r: "reset",
      y: "2",
    });
  });
});

test("should stop its timer when unsubscribed", () => {
  const ts = scheduler();
  ts.run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold("a 100ms |", events);
    expectObservable(source.pipe(toFrames(10, 500, ts), describeFrame), "^ 5ms !").toBe("");
    expectSubscriptions(source.subscriptions).toBe("^ 5ms !");
  });
});
