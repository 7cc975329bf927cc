import assert from "node:assert/strict";
import { test } from "vitest";
import { LiveFeed } from "./live-feed.js";
import type { EventSourceLike, LiveFeedOptions, SseMessage, VisibilityLike } from "./live-feed.js";
import type { WireComment } from "./wire.js";

/** An EventSource the test drives: it records the URLs opened and emits what the test says. */
class FakeEventSource implements EventSourceLike {
  static opened: FakeEventSource[] = [];
  readyState = 0;
  onopen: ((event: unknown) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  closed = false;
  private readonly listeners = new Map<string, ((event: SseMessage) => void)[]>();
  constructor(
    readonly url: string,
    readonly withCredentials = false,
  ) {
    FakeEventSource.opened.push(this);
  }
  addEventListener(type: string, listener: (event: SseMessage) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  close(): void {
    this.closed = true;
    this.readyState = 2;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  emit(type: string, data: unknown, lastEventId = ""): void {
    for (const listener of this.listeners.get(type) ?? []) listener({ data: JSON.stringify(data), lastEventId });
  }
  fail(readyState: number): void {
    this.readyState = readyState;
    this.onerror?.({});
  }
}

const comment = (seq: number, offsetMs = seq * 100): WireComment => ({
  comment_id: `c-${seq}`,
  stream_id: "s",
  user_id: "u",
  username: "U",
  text: `#${seq}`,
  server_ts: 1,
  offset_ms: offsetMs,
  seq,
});

function startFeed(fetch: (input: string) => Promise<Response> = () => Promise.reject(new Error("no fetch expected")), options: Partial<LiveFeedOptions> = {}) {
  FakeEventSource.opened = [];
  const received: [number[], string][] = [];
  const states: string[] = [];
  const feed = new LiveFeed({
    baseUrl: "http://edge",
    streamId: "s",
    batchMs: 0,
    eventSource: (url, init) => new FakeEventSource(url, init.withCredentials),
    fetch,
    onComments: (comments, source) => received.push([comments.map((c) => c.seq), source]),
    onStateChange: (state) => states.push(state),
    ...options,
  });
  return { feed, received, states, source: () => FakeEventSource.opened.at(-1)! };
}

test("should deliver batched and single events once each, by comment_id", () => {
  const { feed, received, source } = startFeed();
  assert.equal(source().url, "http://edge/v1/streams/s/comments/subscribe?batch_ms=0");
  source().open();
  source().emit("comments", [comment(1), comment(2)], "2");
  source().emit("new_comment", comment(2), "2");
  source().emit("new_comment", comment(3), "3");
  source().emit("comments", [comment(3), comment(4)], "4");
  assert.deepEqual(received, [
    [[1, 2], "live"],
    [[3], "live"],
    [[4], "live"],
  ]);
  assert.equal(feed.cursor, 4);
  feed.close();
  assert.equal(source().closed, true);
});

test("should reopen from its cursor with backoff when the browser gives up, and report the states", async () => {
  const { feed, states, source } = startFeed();
  source().open();
  source().emit("comments", [comment(5)], "5");
  source().emit("omitted", { count: 3, through_seq: 9 }, "9");
  source().fail(0); // the browser reconnects by itself, sending Last-Event-ID
  assert.equal(FakeEventSource.opened.length, 1);
  source().fail(2); // the browser gave up (an HTTP error answer)
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  assert.equal(FakeEventSource.opened.length, 2);
  assert.match(source().url, /last_event_id=9$/, "resumes after what was left out too");
  source().open();
  assert.deepEqual(states, ["open", "reconnecting", "open"]);
  feed.close();
  assert.deepEqual(states.at(-1), "closed");
});

test("should reload the recent window on reset, delivering only what it had not", async () => {
  const startedAt = Date.now() - 30_000;
  const requests: string[] = [];
  const fetch = async (input: string) => {
    requests.push(input);
    const body = input.includes("/comments?")
      ? { comments: [comment(6), comment(7), comment(8)], next_pagination_token: null }
      : { stream_id: "s", started_at: startedAt };
    return new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });
  };
  const { feed, received, source } = startFeed(fetch);
  source().open();
  source().emit("comments", [comment(7)], "7");
  source().emit("reset", { after_seq: 2, oldest_available_seq: 9 });
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(received, [
    [[7], "live"],
    [[6, 8], "reload"],
  ]);
  assert.match(requests[1]!, /\/v1\/streams\/s\/comments\?start_time=0\.000&duration=90\.\d{3}&limit=500$/);
  feed.close();
});

test("should tell the page of deletions, the pin, slow mode and the end, and never deliver a deleted comment", () => {
  FakeEventSource.opened = [];
  const shown: number[] = [];
  const deleted: string[] = [];
  const pins: (string | null)[] = [];
  const slow: number[] = [];
  const ended: number[] = [];
  const feed = new LiveFeed({
    baseUrl: "http://edge",
    streamId: "s",
    history: 20,
    eventSource: (url) => new FakeEventSource(url),
    fetch: () => Promise.reject(new Error("no fetch expected")),
    onComments: (comments) => shown.push(...comments.map((c) => c.seq)),
    onDelete: (id) => deleted.push(id),
    onPinned: (pinned) => pins.push(pinned?.comment_id ?? null),
    onSlowMode: (seconds) => slow.push(seconds),
    onEnded: (endedAt) => ended.push(endedAt),
  });
  const source = FakeEventSource.opened[0]!;
  assert.match(source.url, /[?&]history=20\b/);
  source.open();
  source.emit("comments", [comment(1), comment(2)], "2");
  source.emit("pinned_comment", comment(1));
  source.emit("delete_comment", { comment_id: "c-3" }, "4");
  source.emit("new_comment", comment(3), "3"); // deleted before it arrived: never shown
  source.emit("slow_mode", { slow_mode_s: 10 }, "5");
  source.emit("pinned_comment", null, "6");
  assert.equal(feed.cursor, 6);
  source.emit("stream_ended", { stream_id: "s", ended_at: 99 });
  assert.deepEqual(shown, [1, 2]);
  assert.deepEqual(deleted, ["c-3"]);
  assert.deepEqual(pins, ["c-1", null]);
  assert.deepEqual(slow, [10]);
  assert.deepEqual(ended, [99]);
  assert.equal(feed.state, "closed", "an ended stream's feed closes and does not reconnect");
  assert.ok(source.closed);
});

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

test("should ask a token function before every connect, and reconnect itself with a fresh token", async () => {
  let issued = 0;
  const { feed, source } = startFeed(undefined, { token: async () => `t${++issued}` });
  assert.equal(FakeEventSource.opened.length, 0, "waits for the token");
  await tick();
  assert.match(source().url, /access_token=t1(&|$)/);
  source().open();
  source().emit("comments", [comment(4)], "4");
  source().fail(0); // a dropped connection: the browser would resend the same URL and its old token
  assert.equal(source().closed, true, "the feed takes over the reconnect");
  await tick(1_100);
  assert.equal(FakeEventSource.opened.length, 2);
  assert.match(source().url, /access_token=t2&last_event_id=4$/);
  feed.close();
});

test("should identify the viewer by the lc_token cookie with credentials include: no token in the URL", () => {
  const { feed, source } = startFeed(undefined, { credentials: "include", token: () => "unused" });
  assert.equal(source().withCredentials, true);
  assert.doesNotMatch(source().url, /access_token/);
  feed.close();
});

/** A page whose visibility the test sets. */
class FakeDocument implements VisibilityLike {
  visibilityState = "visible";
  private listener: (() => void) | undefined;
  addEventListener(_type: "visibilitychange", listener: () => void): void {
    this.listener = listener;
  }
  removeEventListener(): void {
    this.listener = undefined;
  }
  set(state: "visible" | "hidden"): void {
    this.visibilityState = state;
    this.listener?.();
  }
}

test("should let go of the connection once the page is hidden long enough, and resume from its cursor when shown", async () => {
  const page = new FakeDocument();
  const { feed, states, source } = startFeed(undefined, { pauseWhenHidden: 50, visibility: page });
  source().open();
  source().emit("comments", [comment(1), comment(2)], "2");
  page.set("hidden");
  await tick(20);
  page.set("visible"); // shown again before the delay: nothing happens
  page.set("hidden");
  await tick(30);
  assert.equal(source().closed, false, "the delay starts again when the page is hidden again");
  await tick(40);
  assert.equal(source().closed, true);
  assert.equal(feed.state, "paused");
  source().emit("new_comment", comment(3), "3"); // a late event of the closed connection is not a resume point
  page.set("visible");
  assert.equal(FakeEventSource.opened.length, 2);
  assert.match(source().url, /last_event_id=2$/);
  source().open();
  assert.deepEqual(states, ["open", "paused", "connecting", "open"]);
  feed.close();
  page.set("hidden");
  await tick(70);
  assert.equal(FakeEventSource.opened.length, 2, "a closed feed no longer listens to the page");
});
