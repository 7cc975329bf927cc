import assert from "node:assert/strict";
import { test } from "vitest";
import { Observable } from "rxjs";
import { TestScheduler } from "rxjs/testing";
import { testComment } from "../core/comment-fixtures.js";
import type { FanoutSource, RelayEvent } from "../ports/fanout/index.js";
import { StreamFeeds } from "./stream-feeds.js";

/** A fan-out that records subscriptions and lets the test push events or break them. */
function fakeFanout(announcesLive = false) {
  const calls: { streamId: string; afterSeq: number | undefined }[] = [];
  const open = new Set<{ next: (e: RelayEvent) => void; error: (e: unknown) => void }>();
  const fanout: FanoutSource = {
    announcesLive,
    subscribe: (streamId, afterSeq) =>
      new Observable<RelayEvent>((subscriber) => {
        calls.push({ streamId, afterSeq });
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
  for (const handle of open) handle.next({ kind: "comment", comment: testComment(7) });
  for (const handle of [...open]) handle.error(new Error("relay gone"));
  scheduler.flush();
  assert.deepEqual(calls, [
    { streamId: "s1", afterSeq: undefined },
    { streamId: "s1", afterSeq: 7 },
  ]);
  for (const handle of open) handle.next({ kind: "comment", comment: testComment(8) });
  assert.equal(seen.length, 2);
});

/** Whether a promise has settled by the time pending callbacks and timers of `ms` have run. */
async function settledWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  void promise.then(() => (settled = true));
  await new Promise((resolve) => setTimeout(resolve, ms));
  return settled;
}

test("should answer a new viewer only once its upstream is live at a source across the network", async () => {
  const { fanout, calls, open } = fakeFanout(true);
  const feeds = new StreamFeeds(fanout, { liveWaitMs: 5_000 });
  const first = feeds.whenLive("s1");
  assert.equal(calls.length, 1, "the wait opens the upstream");
  assert.equal(await settledWithin(first, 20), false, "not live before the source says so");
  for (const handle of open) handle.next({ kind: "position", afterSeq: 4 });
  assert.equal(await settledWithin(first, 0), true, "live at the first event");
  const viewer = feeds.frames("s1", 0).subscribe();
  assert.equal(await settledWithin(feeds.whenLive("s1"), 0), true, "a live upstream is not waited for again");
  assert.equal(calls.length, 1, "the viewer joined the same upstream");
  viewer.unsubscribe();
});

test("should answer a viewer after the wait when the source announces nothing", async () => {
  const { fanout } = fakeFanout(true);
  const feeds = new StreamFeeds(fanout, { liveWaitMs: 30 });
  const waiting = feeds.whenLive("s1");
  assert.equal(await settledWithin(waiting, 5), false);
  assert.equal(await settledWithin(waiting, 60), true, "answered after liveWaitMs");
});

test("should not wait for a source that is live on subscribe", async () => {
  const { fanout, calls } = fakeFanout(false);
  const feeds = new StreamFeeds(fanout, { liveWaitMs: 5_000 });
  assert.equal(await settledWithin(feeds.whenLive("s1"), 0), true);
  assert.equal(calls.length, 0, "nothing opened for the wait");
});
