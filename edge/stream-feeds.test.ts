import assert from "node:assert/strict";
import { test } from "vitest";
import { Observable } from "rxjs";
import { TestScheduler } from "rxjs/testing";
import { testComment, testCommentEvent } from "../core/comment-fixtures.js";
import { commentEvent } from "../core/log-event.js";
import type { FanoutSource, RelayEvent } from "../ports/fanout/index.js";
import { StreamFeeds } from "./stream-feeds.js";

/** A fan-out that records subscriptions and lets the test push events or break them. */
function fakeFanout() {
  const calls: { streamId: string; afterSeq: number | undefined; history: number | undefined }[] = [];
  const open = new Set<{ next: (e: RelayEvent) => void; error: (e: unknown) => void }>();
  const fanout: FanoutSource = {
    subscribe: (streamId, afterSeq, history) =>
      new Observable<RelayEvent>((subscriber) => {
        calls.push({ streamId, afterSeq, history });
        const handle = { next: (e: RelayEvent) => subscriber.next(e), error: (e: unknown) => subscriber.error(e) };
        open.add(handle);
        return () => open.delete(handle);
      }),
  };
  return { fanout, calls, open };
}

test("should share one upstream per stream and close it after the linger", () => {
  {
    const { fanout, calls, open } = fakeFanout();
    const scheduler = new TestScheduler(assert.deepEqual);
    const feeds = new StreamFeeds(fanout, { lingerMs: 100, scheduler });
    const a = feeds.frames("s1", 150).subscribe();
    const b = feeds.frames("s1", 0).subscribe();
    assert.equal(calls.length, 1, "one upstream for two batch windows");
    assert.equal(feeds.upstreamCount, 1);
    a.unsubscribe();
    b.unsubscribe();
    assert.equal(open.size, 1, "still open during the linger");
    const c = feeds.frames("s1", 150).subscribe();
    scheduler.flush();
    assert.equal(calls.length, 1, "a viewer back within the linger reuses it");
    c.unsubscribe();
    scheduler.flush();
    assert.equal(open.size, 0, "closed once the linger ran out");
    assert.equal(feeds.upstreamCount, 0);
  }
});

test("should re-subscribe a broken upstream from the last seq it saw", () => {
  const { fanout, calls, open } = fakeFanout();
  const scheduler = new TestScheduler(assert.deepEqual);
  const feeds = new StreamFeeds(fanout, { scheduler });
  const seen: string[] = [];
  feeds.frames("s1", 0).subscribe((frame) => seen.push(frame.bytes.toString()));
  for (const handle of open) handle.next(testCommentEvent(7));
  for (const handle of [...open]) handle.error(new Error("relay gone"));
  scheduler.flush();
  assert.deepEqual(calls, [
    { streamId: "s1", afterSeq: undefined, history: 200 },
    { streamId: "s1", afterSeq: 7, history: 0 },
  ]);
  for (const handle of open) handle.next(testCommentEvent(8));
  assert.equal(seen.length, 2);
});

/** Whether a promise has settled by the time pending callbacks and timers of `ms` have run. */
async function settledWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  void promise.then(() => (settled = true));
  await new Promise((resolve) => setTimeout(resolve, ms));
  return settled;
}

test("should answer a new viewer only once its upstream brought the stream's recent comments", async () => {
  const { fanout, calls, open } = fakeFanout();
  const feeds = new StreamFeeds(fanout, { liveWaitMs: 5_000 });
  const first = feeds.whenLive("s1");
  assert.equal(calls.length, 1, "the wait opens the upstream");
  assert.equal(await settledWithin(first, 20), false, "not live before the source says so");
  for (const handle of open) handle.next({ kind: "history", comments: [testComment(3)] });
  assert.equal(await settledWithin(first, 0), true, "live at the history");
  const viewer = feeds.frames("s1", 0).subscribe();
  assert.equal(await settledWithin(feeds.whenLive("s1"), 0), true, "a live upstream is not waited for again");
  assert.equal(calls.length, 1, "the viewer joined the same upstream");
  viewer.unsubscribe();
});

test("should answer a viewer after the wait when the source announces nothing", async () => {
  const { fanout } = fakeFanout();
  const feeds = new StreamFeeds(fanout, { liveWaitMs: 30 });
  const waiting = feeds.whenLive("s1");
  assert.equal(await settledWithin(waiting, 5), false);
  assert.equal(await settledWithin(waiting, 60), true, "answered after liveWaitMs");
});

test("should tell a new viewer the recent comments without deleted ones, the pin and the end, and drop a second copy of a comment", () => {
  const { fanout, open } = fakeFanout();
  const feeds = new StreamFeeds(fanout);
  const frames: string[] = [];
  const viewer = feeds.frames("s1", 0).subscribe((frame) => frames.push(frame.bytes.toString()));
  const emit = (event: RelayEvent) => {
    for (const handle of open) handle.next(event);
  };
  emit({ kind: "history", comments: [testComment(1), testComment(2)] });
  emit(testCommentEvent(3));
  emit(commentEvent({ ...testComment(3), seq: 4 })); // the same comment again, later in the log
  emit({ kind: "pin", streamId: "s1", seq: 5, comment: testComment(1), changedAt: 1, moderatorId: "m" });
  emit({ kind: "deletion", streamId: "s1", seq: 6, commentId: testComment(2).commentId, deletedAt: 2, offsetMs: 20, commentSeq: 2, moderatorId: "m" });
  emit({ kind: "stream_end", streamId: "s1", seq: 7, endedAt: 9 });
  const start = feeds.start("s1", 50);
  assert.deepEqual(
    start.comments.map((c) => c.seq),
    [1, 3],
  );
  assert.equal(start.pinned?.seq, 1);
  assert.equal(start.endedAt, 9);
  assert.equal(start.throughSeq, 7);
  assert.deepEqual(
    feeds.start("s1", 1).comments.map((c) => c.seq),
    [3],
  );
  assert.deepEqual(
    frames.map((f) => f.split("\n")[0]),
    ["event: new_comment", "event: pinned_comment", "event: delete_comment", "event: stream_ended"],
    "the second copy never became a frame",
  );
  viewer.unsubscribe();
});
