import assert from "node:assert/strict";
import { test } from "vitest";
import { Subject } from "rxjs";
import { testComment } from "../core/comment-fixtures.js";
import type { Frame } from "./comment-frames.js";
import { commentsFrame } from "./comment-frames.js";
import { resumeFrames } from "./resume-frames.js";

const frame = (...seqs: number[]): Frame =>
  commentsFrame(
    seqs.map((seq) => testComment(seq)),
    false,
  );
const idsOf = (frames: Frame[]) => frames.flatMap((frame) => [...frame.bytes.toString().matchAll(/"seq":(\d+)/g)].map((m) => Number(m[1])));

test("should send the catch-up, then join the live feed at the seam without gap or duplicate", () => {
  const live = new Subject<Frame>();
  const catchUp = new Subject<Frame>();
  const out: Frame[] = [];
  resumeFrames(live, catchUp, 2, false).subscribe((chunk) => out.push(chunk));
  catchUp.next(frame(3, 4));
  live.next(frame(6, 7)); // live already ahead: waits
  catchUp.next(frame(5));
  catchUp.next(frame(6)); // reaches the first live frame: join
  assert.equal(catchUp.observed, false, "the private catch-up is closed after the join");
  live.next(frame(8));
  assert.deepEqual(idsOf(out), [3, 4, 5, 6, 7, 8]);
});

test("should reuse the shared bytes when a live frame is wholly new", () => {
  const live = new Subject<Frame>();
  const catchUp = new Subject<Frame>();
  const out: Frame[] = [];
  resumeFrames(live, catchUp, 0, false).subscribe((chunk) => out.push(chunk));
  const shared = frame(2);
  catchUp.next(frame(1));
  live.next(frame(1));
  live.next(shared);
  assert.equal(out.at(-1), shared);
  assert.deepEqual(idsOf(out), [1, 2]);
});

test("should pass a reset from the catch-up to the viewer", () => {
  const live = new Subject<Frame>();
  const catchUp = new Subject<Frame>();
  const out: Frame[] = [];
  resumeFrames(live, catchUp, 1, false).subscribe((chunk) => out.push(chunk));
  catchUp.next({ kind: "reset", bytes: Buffer.from("event: reset\ndata: {}\n\n") });
  catchUp.next(frame(40));
  live.next(frame(40, 41));
  assert.match(out[0]!.bytes.toString(), /^event: reset/);
  assert.deepEqual(idsOf(out), [40, 41]);
});

test("should fail the viewer when too many live frames wait", () => {
  const live = new Subject<Frame>();
  const catchUp = new Subject<Frame>();
  let failure: unknown;
  resumeFrames(live, catchUp, 1, false, 2).subscribe({ error: (error: unknown) => (failure = error) });
  live.next(frame(10));
  live.next(frame(11));
  live.next(frame(12));
  assert.match(String(failure), /could not catch up/);
  assert.equal(live.observed, false);
  assert.equal(catchUp.observed, false);
});
