import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { test } from "vitest";
import { PlaybackSync } from "./playback-sync.js";
import type { PlayerLike } from "./playback-sync.js";
import type { WireComment } from "./wire.js";

/** A player whose clock and events the test drives. */
class FakePlayer implements PlayerLike {
  currentTime = 0;
  paused = true;
  private readonly events = new EventEmitter();
  addEventListener(type: string, listener: () => void): void {
    this.events.on(type, listener);
  }
  removeEventListener(type: string, listener: () => void): void {
    this.events.off(type, listener);
  }
  at(seconds: number): void {
    this.currentTime = seconds;
    this.events.emit("timeupdate");
  }
  seek(seconds: number): void {
    this.currentTime = seconds;
    this.events.emit("seeking");
    this.events.emit("seeked");
  }
  listenerCount(): number {
    return this.events.eventNames().reduce((sum, name) => sum + this.events.listenerCount(name), 0);
  }
}

const comment = (offsetMs: number, seq = offsetMs): WireComment => ({
  comment_id: `c-${seq}`,
  stream_id: "s",
  user_id: "u",
  username: "U",
  text: `at ${offsetMs}`,
  server_ts: 1_000_000 + offsetMs,
  offset_ms: offsetMs,
  seq,
});

/** The playback API over a fixed set of comments, with pages of `limit`, recording each request. */
function fakeArchive(comments: readonly WireComment[], options: { hold?: boolean } = {}) {
  const requests: { startMs: number; signal: AbortSignal | undefined }[] = [];
  const held: (() => void)[] = [];
  const fetch = async (input: string, init?: RequestInit): Promise<Response> => {
    const url = new URL(input, "http://x");
    const startMs = Math.round(Number(url.searchParams.get("start_time")) * 1000);
    const endMs = startMs + Math.round(Number(url.searchParams.get("duration")) * 1000);
    const limit = Number(url.searchParams.get("limit"));
    const from = Number(url.searchParams.get("pagination_token") ?? 0);
    if (from === 0) requests.push({ startMs, signal: init?.signal ?? undefined });
    if (options.hold) await new Promise<void>((resolve) => held.push(resolve));
    if (init?.signal?.aborted) throw new DOMException("aborted", "AbortError");
    // In the API's order: by offset, then seq.
    const inWindow = comments.filter((c) => c.offset_ms >= startMs && c.offset_ms < endMs).sort((a, b) => a.offset_ms - b.offset_ms || a.seq - b.seq);
    const page = inWindow.slice(from, from + limit);
    const next = from + limit < inWindow.length ? String(from + limit) : null;
    return new Response(JSON.stringify({ comments: page, next_pagination_token: next }), { headers: { "content-type": "application/json" } });
  };
  return { fetch, requests, release: () => held.splice(0).forEach((resolve) => resolve()) };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

function startSync(player: FakePlayer, archive: ReturnType<typeof fakeArchive>, overrides: { backfillMs?: number } = {}) {
  const shown: number[] = [];
  let clears = 0;
  const sync = new PlaybackSync({
    baseUrl: "http://x",
    streamId: "s",
    player,
    windowMs: 10_000,
    prefetchMs: 2_000,
    backfillMs: overrides.backfillMs ?? 0,
    fetch: archive.fetch,
    onComments: (comments) => shown.push(...comments.map((c) => c.offset_ms)),
    onClear: () => {
      clears++;
      shown.length = 0;
    },
  });
  return { sync, shown, clears: () => clears };
}

test("should show each comment when the clock reaches its offset, and prefetch the next window", async () => {
  const archive = fakeArchive([comment(0), comment(1_500), comment(4_000), comment(9_999), comment(10_000), comment(12_000)]);
  const player = new FakePlayer();
  const { sync, shown } = startSync(player, archive);
  await settle();
  assert.deepEqual(shown, [0], "offset 0 is due at time 0");
  player.at(1.4);
  assert.deepEqual(shown, [0]);
  player.at(4);
  assert.deepEqual(shown, [0, 1_500, 4_000]);
  assert.deepEqual(
    archive.requests.map((r) => r.startMs),
    [0],
    "only the current window so far",
  );
  player.at(8.5);
  await settle();
  assert.deepEqual(
    archive.requests.map((r) => r.startMs),
    [0, 10_000],
    "the next window is fetched before the current one runs out",
  );
  player.at(10.2);
  assert.deepEqual(shown, [0, 1_500, 4_000, 9_999, 10_000]);
  sync.stop();
  assert.equal(player.listenerCount(), 0);
});

test("should follow pagination inside a window and keep order by offset then seq", async () => {
  const comments = [comment(3_000, 7), comment(1_000, 2), comment(3_000, 5), comment(2_000, 3)];
  const archive = fakeArchive(comments);
  const player = new FakePlayer();
  const shown: string[] = [];
  const sync = new PlaybackSync({
    baseUrl: "",
    streamId: "s",
    player,
    windowMs: 10_000,
    backfillMs: 0,
    pageLimit: 1,
    fetch: archive.fetch,
    onComments: (list) => shown.push(...list.map((c) => c.comment_id)),
  });
  await settle();
  player.at(5);
  assert.deepEqual(shown, ["c-2", "c-3", "c-5", "c-7"]);
  sync.stop();
});

test("should drop the buffer on a seek, cancel fetches in flight and show exactly what is due at the new time", async () => {
  const archive = fakeArchive([comment(1_000), comment(25_000), comment(27_000), comment(28_000), comment(31_000), comment(45_000)], { hold: true });
  const player = new FakePlayer();
  const { sync, shown, clears } = startSync(player, archive, { backfillMs: 5_000 });
  assert.equal(archive.requests.length, 1);
  player.seek(27.5);
  assert.equal(archive.requests[0]!.signal?.aborted, true, "the fetch of the old window was cancelled");
  assert.equal(clears(), 1);
  archive.release();
  await settle();
  assert.deepEqual(shown, [25_000, 27_000], "backfill: what falls in the last 5 s before 27.5 s");
  player.at(31);
  archive.release();
  await settle();
  assert.deepEqual(shown, [25_000, 27_000, 28_000, 31_000]);
  player.seek(0.5);
  archive.release();
  await settle();
  archive.release();
  await settle();
  assert.deepEqual(shown, [], "nothing is due at 0.5 s");
  player.at(1);
  assert.deepEqual(shown, [1_000]);
  sync.stop();
});

test("should seek the player to an offset and read the window holding it first, never an earlier one", async () => {
  const archive = fakeArchive([comment(1_000), comment(29_000), comment(31_000), comment(34_000), comment(36_000)]);
  const player = new FakePlayer();
  const { sync, shown, clears } = startSync(player, archive, { backfillMs: 8_000 });
  await settle();
  const before = archive.requests.length;
  sync.seek(35_000);
  assert.equal(player.currentTime, 35, "the player moved");
  player.seek(35); // the player's own seeking and seeked events follow
  await settle();
  assert.deepEqual(
    archive.requests.slice(before).map((r) => r.startMs),
    [30_000],
    "only the window holding 35 s, though the backfill reaches into the one before",
  );
  assert.equal(clears(), 1, "one clear for one seek");
  assert.deepEqual(shown, [31_000, 34_000], "the backfill stays within that window");
  player.at(36);
  assert.deepEqual(shown, [31_000, 34_000, 36_000]);
  sync.seek(Number.NaN);
  assert.equal(player.currentTime, 36, "a seek to no number is ignored");
  sync.stop();
});

test("should show nothing while paused and go on from where it stopped", async () => {
  const archive = fakeArchive([comment(500), comment(1_000), comment(2_000)]);
  const player = new FakePlayer();
  const { sync, shown } = startSync(player, archive);
  await settle();
  player.paused = false;
  player.at(0.6);
  assert.deepEqual(shown, [500]);
  player.paused = true;
  await new Promise((resolve) => setTimeout(resolve, 250));
  assert.deepEqual(shown, [500], "a paused clock shows nothing more");
  player.paused = false;
  player.at(2.1);
  assert.deepEqual(shown, [500, 1_000, 2_000]);
  sync.stop();
});

test("should retry a window whose fetch failed", async () => {
  let failures = 1;
  const archive = fakeArchive([comment(100)]);
  const errors: unknown[] = [];
  const player = new FakePlayer();
  const shown: number[] = [];
  const sync = new PlaybackSync({
    baseUrl: "",
    streamId: "s",
    player,
    windowMs: 10_000,
    backfillMs: 0,
    fetch: (input, init) =>
      failures-- > 0 ? Promise.resolve(new Response('{"error":{"code":"unavailable","message":"down"}}', { status: 503 })) : archive.fetch(input, init),
    onComments: (list) => shown.push(...list.map((c) => c.offset_ms)),
    onError: (error) => errors.push(error),
  });
  await settle();
  assert.equal(errors.length, 1);
  assert.deepEqual(shown, []);
  await new Promise((resolve) => setTimeout(resolve, 2_050));
  player.at(0.2);
  await settle();
  assert.deepEqual(shown, [100]);
  sync.stop();
});

test("should show a window's first page before its other pages arrive, fetch them as the clock nears, and never drop the window's end", async () => {
  const comments = Array.from({ length: 40 }, (_, i) => comment(i * 200, i + 1)); // 0 .. 7.8 s
  const archive = fakeArchive(comments);
  const pages: string[] = [];
  let failNext = true;
  const fetch = async (input: string, init?: RequestInit): Promise<Response> => {
    const url = new URL(input, "http://x");
    pages.push(url.searchParams.get("pagination_token") ?? "first");
    assert.equal(url.searchParams.get("max_rate"), "50", "asks for the replay thinned like the live view");
    // The third page fails once: it is asked for again, not skipped.
    if (url.searchParams.get("pagination_token") === "20" && failNext) {
      failNext = false;
      return new Response(JSON.stringify({ error: { code: "unavailable", message: "try again" } }), { status: 503 });
    }
    return archive.fetch(input, init);
  };
  const player = new FakePlayer();
  const shown: number[] = [];
  const errors: unknown[] = [];
  const sync = new PlaybackSync({
    baseUrl: "",
    streamId: "s",
    player,
    windowMs: 10_000,
    prefetchMs: 500,
    backfillMs: 0,
    pageLimit: 10,
    revisionPollMs: 0,
    fetch,
    onComments: (list) => shown.push(...list.map((c) => c.seq)),
    onError: (error) => errors.push(error),
  });
  await settle();
  assert.deepEqual(pages, ["first"], "one page is enough to start");
  assert.deepEqual(shown, [1]);
  player.at(1.5); // the first page reaches 1.8 s: the next is fetched as the clock nears it
  await settle();
  assert.deepEqual(pages, ["first", "10"]);
  player.at(3.8);
  await settle();
  assert.equal(errors.length, 1, "the failed page is reported");
  await new Promise((resolve) => setTimeout(resolve, 2_200)); // asked for again after the pause
  player.at(9.9);
  await settle();
  player.at(9.95);
  assert.deepEqual(
    shown,
    comments.map((c) => c.seq),
    "every comment of the window, the end included, in order",
  );
  sync.stop();
});
