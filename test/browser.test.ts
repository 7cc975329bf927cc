// End-to-end tests of the demo page and the browser SDK in headless Chromium (Debian's
// chromium, driven by playwright-core), against the one-process system as `npm start` runs it.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, test } from "vitest";
import type { Browser, Page } from "playwright-core";
import { ApiClient } from "../harness/http-client.js";
import type { Accepted } from "../harness/http-client.js";
import { startEmbeddedSystem, withEmbeddedSystem } from "../harness/embedded-system.js";
import { freePort } from "../harness/free-port.js";
import { launchChromium } from "../harness/chromium.js";
import { DATABASE_FILE } from "../app/embedded-app.js";
import { createSqliteArchiveStore } from "../ports/archive-store/sqlite.js";
import { openDatabase } from "../ports/sqlite/open-database.js";

/** LC_SCREENSHOTS=<folder> keeps pictures of the live and replay views (docs/screenshots/, shown by the README and docs/moderation.md). */
const SCREENSHOTS = process.env.LC_SCREENSHOTS;

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(() => browser?.close());
/** Uncaught errors in any page: a test that caused one fails. */
const pageErrors: string[] = [];
afterEach(() => assert.deepEqual(pageErrors.splice(0), [], "errors in the page"));

async function openPage(url: string): Promise<Page> {
  // The page's CSP forbids eval, which Playwright's waits use; bypassing it also makes the
  // markup test stricter: an injected handler would run rather than be blocked by the CSP.
  const page = await browser.newPage({ viewport: { width: 1000, height: 600 }, bypassCSP: true });
  page.on("pageerror", (error) => pageErrors.push(`${url}: ${error.message}`));
  await page.goto(url);
  return page;
}

// Code that runs in the page is written as strings: this project compiles without the DOM's types.

/** What the comment list shows: each item's comment id, seq, offset and text. */
function shown(page: Page): Promise<{ id: string; seq: number; offset: number; text: string; markupInside: number }[]> {
  return page.evaluate(`[...document.querySelectorAll("#comments li")].map((item) => ({
    id: item.getAttribute("data-comment-id"),
    seq: Number(item.getAttribute("data-seq")),
    offset: Number(item.getAttribute("data-offset-ms")),
    text: item.querySelector(".text").textContent,
    markupInside: item.querySelector(".text").childElementCount,
  }))`);
}

/** Waits until the page's list holds at least `count` comments. */
async function waitForCount(page: Page, count: number, timeoutMs = 10_000): Promise<void> {
  await page.waitForFunction(`document.querySelectorAll("#comments li").length >= ${count}`, undefined, { timeout: timeoutMs });
}

/**
 * Records, in the page, when each comment appears in its list and when one leaves it (the page's
 * clock: the same machine's as the server's), so a test times delivery from the server's own
 * timestamps rather than from a click whose cost depends on how busy the machine is.
 */
async function watchList(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    const seen = (window.__lcShownAt = {});
    const gone = (window.__lcGoneAt = {});
    new MutationObserver((records) => {
      const now = Date.now();
      for (const record of records) {
        for (const node of record.addedNodes) if (node.dataset && node.dataset.commentId) seen[node.dataset.commentId] ??= now;
        for (const node of record.removedNodes) if (node.dataset && node.dataset.commentId) gone[node.dataset.commentId] ??= now;
      }
    }).observe(document.getElementById("comments"), { childList: true });
  })()`);
}

async function waitForState(page: Page, state: string, timeoutMs = 10_000): Promise<void> {
  await page.waitForSelector(`#state[data-state="${state}"]`, { timeout: timeoutMs });
}

test("should show a comment posted on one page on another within a second, as literal text", async () => {
  await withEmbeddedSystem({ devSecret: true }, async (system, api) => {
    const streamId = await api.createStream();
    const home = await fetch(`${system.http.edge}/?stream=${streamId}`);
    assert.match(home.headers.get("content-security-policy") ?? "", /script-src 'self'/, "the page forbids inline script");
    const [poster, viewer] = await Promise.all([
      openPage(`${system.http.edge}/?stream=${streamId}&name=Ada`),
      openPage(`${system.http.edge}/?stream=${streamId}`),
    ]);
    await Promise.all([waitForState(poster, "open"), waitForState(viewer, "open")]);

    // The first post fetches a guest token; the second is timed.
    await poster.fill("#post-text", "hello");
    await poster.click("#post-button");
    await waitForCount(viewer, 1);

    const markup = `<img src=x onerror="window.__injected = 1"><b>bold</b> & <script>window.__injected = 2</script>`;
    await poster.fill("#post-text", markup);
    await watchList(viewer);
    await poster.click("#post-button");
    await waitForCount(viewer, 2, 5_000);
    const items = await shown(viewer);
    // From the server's acceptance (server_ts = the stream's start + offset) to the other page's list.
    const startedAt = (await api.request("GET", `/v1/streams/${streamId}`)).json.started_at as number;
    const shownAt = await viewer.evaluate<number>(`window.__lcShownAt[${JSON.stringify(items[1]!.id)}]`);
    const elapsedMs = shownAt - (startedAt + items[1]!.offset);
    assert.ok(elapsedMs <= 1_000, `the other page showed the comment ${elapsedMs} ms after it was accepted`);

    assert.deepEqual(
      items.map((item) => item.text),
      ["hello", markup],
    );
    assert.equal(items[1]!.markupInside, 0, "no element was made from the comment");
    assert.equal(await viewer.evaluate("typeof window.__injected"), "undefined");
    assert.equal(await viewer.evaluate(`document.querySelectorAll("#comments img, #comments b, #comments script").length`), 0);
    assert.equal(await viewer.textContent("#comments li:nth-child(2) .who"), "Ada");
    assert.deepEqual(
      (await shown(poster)).map((item) => item.text),
      ["hello", markup],
      "the poster sees its own comments too",
    );
    if (SCREENSHOTS) {
      mkdirSync(SCREENSHOTS, { recursive: true });
      for (let i = 0; i < 12; i++)
        await api.post(
          streamId,
          `viewer-${i % 4}`,
          ["What a goal!", "Replay that please", "Incredible!", "Best match of the season", "Offside?", "Unbelievable save"][i % 6]!,
        );
      await waitForCount(viewer, 14);
      await viewer.screenshot({ path: `${SCREENSHOTS}/live.png` });
    }
    await Promise.all([poster.close(), viewer.close()]);
  });
});

test("should keep the live list bounded and in order through a burst of comments", async () => {
  await withEmbeddedSystem({ env: { LC_RATE_LIMITS: "off" } }, async (system, api) => {
    const streamId = await api.createStream();
    // Above the default cap of 50/s the server would send a sample; this viewer wants all.
    const page = await openPage(`${system.http.edge}/?stream=${streamId}&max_rate=1000`);
    await waitForState(page, "open");
    const posted: Accepted[] = [];
    await Promise.all(
      Array.from({ length: 20 }, async (_, worker) => {
        for (let i = 0; i < 40; i++) posted.push(await api.post(streamId, `fan-${worker}`, `burst ${worker}.${i}`));
      }),
    );
    const last = Math.max(...posted.map((p) => p.seq));
    await page.waitForFunction(`document.querySelector("#comments li:last-child")?.getAttribute("data-seq") === "${last}"`, undefined, { timeout: 10_000 });
    const items = await shown(page);
    assert.equal(items.length, 300, "the page keeps the newest 300 comments");
    const seqs = items.map((item) => item.seq);
    assert.deepEqual(
      seqs,
      [...posted]
        .map((p) => p.seq)
        .sort((a, b) => a - b)
        .slice(-300),
      "the newest, in order, none twice",
    );
    await page.close();
  });
});

test("should resume after the server restarts with no duplicate and no gap", async () => {
  const port = await freePort();
  const first = await startEmbeddedSystem({ env: { PORT: String(port), LC_RATE_LIMITS: "off" } });
  const api = new ApiClient(first.http, first.jwtSecret);
  const streamId = await api.createStream();
  const page = await openPage(`${first.http.edge}/?stream=${streamId}`);
  let second: Awaited<ReturnType<typeof startEmbeddedSystem>> | undefined;
  try {
    await waitForState(page, "open");
    const posted: Accepted[] = [];
    for (let i = 0; i < 5; i++) posted.push(await api.post(streamId, "before", `before ${i}`));
    await waitForCount(page, 5);

    await first.kill();
    await waitForState(page, "reconnecting");
    second = await startEmbeddedSystem({ env: { PORT: String(port), LC_RATE_LIMITS: "off", LC_JWT_SECRET: first.jwtSecret }, dataDir: first.dataDir });
    // Posted before the page is back: only resuming from Last-Event-ID brings these.
    for (let i = 0; i < 5; i++) posted.push(await api.post(streamId, "after", `after ${i}`));
    await waitForState(page, "open", 20_000);
    for (let i = 5; i < 8; i++) posted.push(await api.post(streamId, "after", `after ${i}`));
    await waitForCount(page, posted.length);
    await new Promise((resolve) => setTimeout(resolve, 500)); // room for a duplicate to show up

    const items = await shown(page);
    assert.deepEqual(
      items.map((item) => item.id),
      posted.map((p) => p.comment_id),
      "every comment once, in order",
    );
    const seqs = items.map((item) => item.seq);
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
    );
  } finally {
    await page.close();
    await (second ?? first).stop();
    first.dispose();
  }
});

test("should show exactly the comments due after seeking a replay forward and back, and the next ones as it plays", async () => {
  await withEmbeddedSystem({ env: { LC_RATE_LIMITS: "off" } }, async (system, api) => {
    const streamId = await api.createStream();
    // Comments about 1.5 s apart on the stream's timeline.
    const posted: Accepted[] = [];
    for (let i = 0; i < 5; i++) {
      posted.push(await api.post(streamId, `viewer-${i}`, `comment ${i}`));
      await new Promise((resolve) => setTimeout(resolve, 1_500));
    }
    const admin = await api.token("admin", "streams:admin");
    assert.equal((await api.request("POST", `/v1/streams/${streamId}/end`, { token: admin })).status, 200);
    await api.waitForArchive(streamId, posted.length);
    const offsets = posted.map((p) => p.offset_ms);

    // Windows of 2 s, and 1 s of backfill after a seek.
    const page = await openPage(`${system.http.archive}/?stream=${streamId}&window=2&backfill=1`);
    await waitForState(page, "replay");
    await page.waitForFunction(`document.getElementById("player").readyState >= 1`);
    const seekTo = async (ms: number) => {
      await page.evaluate(`new Promise((resolve) => {
        const player = document.getElementById("player");
        player.addEventListener("seeked", () => resolve(), { once: true });
        player.currentTime = ${ms / 1000};
      })`);
    };
    /** Waits until the list holds exactly `expected` (offsets), and checks it stays so. */
    const expectShown = async (expected: number[], what: string) => {
      const offsetsShown = `JSON.stringify([...document.querySelectorAll("#comments li")].map((li) => Number(li.getAttribute("data-offset-ms"))))`;
      await page
        .waitForFunction(`${offsetsShown} === ${JSON.stringify(JSON.stringify(expected))}`, undefined, { timeout: 5_000, polling: 50 })
        .catch(async () =>
          assert.fail(`${what}: shows ${JSON.stringify((await shown(page)).map((item) => item.offset))}, expected ${JSON.stringify(expected)}`),
        );
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(
        (await shown(page)).map((item) => item.offset),
        expected,
        what,
      );
    };

    await seekTo(offsets[3]! + 300);
    await expectShown([offsets[3]!], "forward to just after the fourth comment");
    await seekTo(offsets[1]! + 200);
    await expectShown([offsets[1]!], "back to just after the second");
    await seekTo(offsets[4]! + 100);
    await expectShown([offsets[4]!], "forward again, into another window");
    await seekTo(offsets[2]! - 400);
    await expectShown([], "before the third: nothing is due yet");

    // Play: the third comment shows when the video's clock reaches it, not before.
    const clockWhenShown = await page.evaluate<number>(`new Promise((resolve) => {
      const player = document.getElementById("player");
      new MutationObserver(() => resolve(player.currentTime * 1000)).observe(document.getElementById("comments"), { childList: true });
      player.play();
    })`);
    assert.ok(clockWhenShown >= offsets[2]!, `shown at ${clockWhenShown} ms, due at ${offsets[2]} ms`);
    assert.ok(clockWhenShown <= offsets[2]! + 500, `shown at ${clockWhenShown} ms, due at ${offsets[2]} ms: too late`);
    assert.deepEqual(
      (await shown(page)).map((item) => item.text),
      ["comment 2"],
    );
    await page.evaluate(`document.getElementById("player").pause()`);
    if (SCREENSHOTS) await page.screenshot({ path: `${SCREENSHOTS}/replay.png` });
    await page.close();
  });
});

test("should take a comment a moderator deletes on one page off another within a second, keep it out of the replay, and switch to the replay when the stream ends", async () => {
  await withEmbeddedSystem({ env: { LC_RATE_LIMITS: "off" } }, async (system, api) => {
    const streamId = await api.createStream();
    const moderatorToken = await api.token("mod", "comments:moderate");
    const [moderator, viewer] = await Promise.all([
      openPage(`${system.http.edge}/?stream=${streamId}#token=${moderatorToken}`),
      openPage(`${system.http.edge}/?stream=${streamId}`),
    ]);
    await Promise.all([waitForState(moderator, "open"), waitForState(viewer, "open")]);
    await api.post(streamId, "ada", "a kind word");
    const doomed = await api.post(streamId, "troll", "an abusive one");
    await Promise.all([waitForCount(moderator, 2), waitForCount(viewer, 2)]);
    assert.equal(await viewer.locator("#comments button").count(), 0, "a viewer's page has no moderation controls");
    await api.waitForArchive(streamId, 2); // what a moderator sees is archived within moments
    if (SCREENSHOTS) await moderator.screenshot({ path: `${SCREENSHOTS}/moderation.png` });

    await watchList(viewer);
    await moderator.click(`#comments li[data-comment-id="${doomed.comment_id}"] button[data-action="delete"]`);
    await viewer.waitForFunction(`!document.querySelector('#comments li[data-comment-id="${doomed.comment_id}"]')`, undefined, { timeout: 5_000, polling: 20 });
    // From the deletion's own time (a repeat answers the first deleted_at) to the other page.
    const { deleted_at: deletedAt } = (await api.request("DELETE", `/v1/streams/${streamId}/comments/${doomed.comment_id}`, { token: moderatorToken }))
      .json as {
      deleted_at: number;
    };
    const goneAt = await viewer.evaluate<number>(`window.__lcGoneAt[${JSON.stringify(doomed.comment_id)}]`);
    assert.ok(goneAt - deletedAt <= 1_000, `the other page dropped the comment ${goneAt - deletedAt} ms after the deletion`);
    assert.deepEqual(
      (await shown(moderator)).map((item) => item.text),
      ["a kind word"],
    );

    const admin = await api.token("admin", "streams:admin");
    assert.equal((await api.request("POST", `/v1/streams/${streamId}/end`, { token: admin })).status, 200);
    await waitForState(viewer, "replay");
    await viewer.waitForFunction(`document.getElementById("player").readyState >= 1`);
    await viewer.evaluate(`document.getElementById("player").currentTime = 20`);
    await waitForCount(viewer, 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(
      (await shown(viewer)).map((item) => item.text),
      ["a kind word"],
      "the replay never shows the deleted comment",
    );
    await Promise.all([moderator.close(), viewer.close()]);
  });
});

test("should let a stream's owner add and remove its moderators, and save its blocked terms and modes, from the page", async () => {
  await withEmbeddedSystem({}, async (system, api) => {
    const admin = await api.token("admin", "streams:admin");
    const streamId = `owned-${Math.random().toString(36).slice(2, 10)}`;
    const created = await api.request("POST", "/v1/streams", { token: admin, json: { stream_id: streamId, owner_id: "olivia" } });
    assert.equal(created.status, 201, created.text);
    const ownerToken = await api.token("olivia");
    const owner = await openPage(`${system.http.edge}/?stream=${streamId}#token=${ownerToken}`);
    await owner.waitForSelector("#moderators");
    await owner.evaluate(`(() => {
      const notice = document.getElementById("notice");
      const seen = (window.__lcNotices = []);
      new MutationObserver(() => seen.push(notice.textContent)).observe(notice, { childList: true, characterData: true, subtree: true });
    })()`);

    await owner.fill("#moderator-id", "mia");
    await owner.click("#moderators button[type=submit]");
    await owner.waitForSelector('#moderator-list li[data-user-id="mia"]');
    const moderators = async () => (await api.request("GET", `/v1/streams/${streamId}/moderators`, { token: ownerToken })).json.moderators;
    assert.deepEqual(await moderators(), ["mia"]);
    // The new moderator's page has the held queue and the settings, not the owner's list of moderators.
    const mia = await openPage(`${system.http.edge}/?stream=${streamId}#token=${await api.token("mia")}`);
    await mia.waitForSelector("#held");
    await mia.waitForSelector("#stream-controls");
    assert.equal(await mia.locator("#moderators").count(), 0);

    await owner.fill("#terms-text", "spoiler\n  big reveal \n\n");
    await owner.click("#terms button[type=submit]");
    await owner.waitForFunction(`window.__lcNotices.includes("Blocked terms saved")`);
    assert.deepEqual((await api.request("GET", `/v1/streams/${streamId}/blocked_terms`, { token: ownerToken })).json, { terms: ["spoiler", "big reveal"] });

    await owner.check("#mode-unique_chat");
    await owner.fill("#mode-slow_mode_s", "5");
    await owner.click("#modes button[type=submit]");
    // The stream's change reaches the page's own feed too, whose slow-mode notice may come before or after.
    await owner.waitForFunction(`window.__lcNotices.includes("Modes saved")`);
    await owner.waitForFunction(`window.__lcNotices.includes("Slow mode: one comment every 5 s")`);
    const stream = (await api.request("GET", `/v1/streams/${streamId}`)).json;
    assert.deepEqual([stream.unique_chat, stream.slow_mode_s, stream.members_only, stream.delay_s], [true, 5, false, 0]);

    await owner.click('#moderator-list li[data-user-id="mia"] button[data-action="remove"]');
    await owner.waitForFunction(`!document.querySelector('#moderator-list li[data-user-id="mia"]')`);
    assert.deepEqual(await moderators(), []);
    await Promise.all([owner.close(), mia.close()]);
  });
});

test("should open a new page with the stream's recent comments and its pin at once", async () => {
  await withEmbeddedSystem({ env: { LC_RATE_LIMITS: "off" } }, async (system, api) => {
    const streamId = await api.createStream();
    const posted: Accepted[] = [];
    for (const [who, text] of [
      ["ada", "first!"],
      ["host", "Welcome, the match starts at 8"],
      ["bob", "can't wait"],
    ] as const)
      posted.push(await api.post(streamId, who, text));
    await api.waitForArchive(streamId, posted.length);
    const pinned = await api.request("PUT", `/v1/streams/${streamId}/pin`, {
      token: await api.token("mod", "comments:moderate"),
      json: { comment_id: posted[1]!.comment_id },
    });
    assert.equal(pinned.status, 200);
    const started = Date.now();
    const page = await openPage(`${system.http.edge}/?stream=${streamId}`);
    await waitForCount(page, 3);
    await page.waitForSelector("#pinned:not([hidden])");
    const elapsedMs = Date.now() - started;
    assert.deepEqual(
      (await shown(page)).map((item) => item.text),
      ["first!", "Welcome, the match starts at 8", "can't wait"],
    );
    assert.equal(await page.locator("#pinned .text").textContent(), "Welcome, the match starts at 8");
    assert.ok(elapsedMs < 5_000, `the page showed its first second after ${elapsedMs} ms`);
    if (SCREENSHOTS) await page.screenshot({ path: `${SCREENSHOTS}/first-second.png` });
    await page.close();
  });
});

/**
 * An ended stream whose archive holds `total` comments at `offsetOf(n)`, written straight into
 * the SQLite file of a one-process system that is then started on it.
 */
async function systemWithArchivedStream(total: number, offsetOf: (n: number) => number, text: (n: number) => string) {
  const first = await startEmbeddedSystem();
  const { dataDir, jwtSecret } = first;
  const firstApi = new ApiClient(first.http, jwtSecret);
  const streamId = await firstApi.createStream();
  assert.equal((await firstApi.request("POST", `/v1/streams/${streamId}/end`, { token: await firstApi.token("admin", "streams:admin") })).status, 200);
  const startedAt = (await firstApi.request("GET", `/v1/streams/${streamId}`)).json.started_at as number;
  await first.stop();
  const db = openDatabase(join(dataDir, DATABASE_FILE));
  const archive = createSqliteArchiveStore(db);
  for (let i = 0; i < total; i += 20_000) {
    await archive.write(
      Array.from({ length: Math.min(20_000, total - i) }, (_, j) => {
        const n = i + j;
        const offsetMs = offsetOf(n);
        return {
          commentId: `00000000-0000-7000-8000-${n.toString(16).padStart(12, "0")}`,
          streamId,
          userId: `viewer-${n % 5_000}`,
          username: `Viewer ${n % 5_000}`,
          text: text(n),
          serverTs: startedAt + offsetMs,
          offsetMs,
          seq: n + 1,
        };
      }),
    );
  }
  db.close();
  const system = await startEmbeddedSystem({ dataDir, env: { LC_JWT_SECRET: jwtSecret } });
  return { system, api: new ApiClient(system.http, jwtSecret), streamId };
}

/** Most JavaScript heap the replay tab of a 2,000 comments/s stream may use (measured: see docs/replay.md and BENCHMARKS.md). */
const HOT_REPLAY_MAX_HEAP_BYTES = 64 * 1024 * 1024;

test(
  "should replay 3 minutes of a 2,000 comments/s stream (360,000 comments) to its end, thinned, within a bounded tab heap",
  { timeout: 180_000 },
  async () => {
    const total = 360_000;
    const spanMs = 180_000;
    const { system, api, streamId } = await systemWithArchivedStream(
      total,
      (n) => Math.floor((n * spanMs) / total),
      (n) => `comment number ${n}, about as long as a live comment tends to be`,
    );
    try {
      assert.equal((await api.request("GET", `/v1/streams/${streamId}`)).json.comment_count, total);
      const page = await openPage(`${system.http.archive}/?stream=${streamId}`);
      const pages: string[] = [];
      page.on("request", (request) => {
        if (request.url().includes("/comments?")) pages.push(request.url());
      });
      await waitForState(page, "replay");
      await page.waitForFunction(`document.getElementById("player").readyState >= 1`);
      const cdp = await page.context().newCDPSession(page);
      await cdp.send("Performance.enable");
      const heapUsed = async () => {
        await cdp.send("HeapProfiler.collectGarbage");
        const { metrics } = (await cdp.send("Performance.getMetrics")) as { metrics: { name: string; value: number }[] };
        return metrics.find((m) => m.name === "JSHeapUsedSize")!.value;
      };
      // Play the 3 minutes at 16x, sampling the heap as it goes.
      await page.evaluate(`(() => { const p = document.getElementById("player"); p.playbackRate = 16; p.play(); })()`);
      let peakHeap = 0;
      for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        peakHeap = Math.max(peakHeap, await heapUsed());
        if ((await page.evaluate<number>(`document.getElementById("player").currentTime`)) >= spanMs / 1000 + 1) break;
      }
      await page.evaluate(`document.getElementById("player").pause()`);
      const items = await shown(page);
      const lastOffset = items.at(-1)?.offset ?? 0;
      assert.ok(lastOffset >= spanMs - 1_000, `the replay reached ${lastOffset} ms of ${spanMs}: its end was dropped`);
      assert.ok(items.length <= 300, "the page keeps at most 300 comments");
      assert.ok(
        pages.every((url) => new URL(url).searchParams.get("max_rate") === "50"),
        "every page is asked for thinned to what a live viewer sees",
      );
      assert.ok(peakHeap < HOT_REPLAY_MAX_HEAP_BYTES, `the tab's JS heap reached ${(peakHeap / 2 ** 20).toFixed(1)} MiB`);
      process.stdout.write(
        `hot replay: ${total} comments over ${spanMs / 1000} s of video, ${pages.length} pages fetched, peak JS heap ${(peakHeap / 2 ** 20).toFixed(1)} MiB\n`,
      );
      await page.close();
    } finally {
      await system.stop();
      system.dispose();
    }
  },
);

test("should draw a replay's timeline with its peak at the second of a burst, and seek there on a click without reading earlier windows", async () => {
  // 150 s of video: a comment every 2 s, and 40 more within the 97th second.
  const burstSecond = 97;
  const offsets = [...Array.from({ length: 75 }, (_, i) => i * 2_000 + 1_500), ...Array.from({ length: 40 }, (_, i) => burstSecond * 1000 + i * 20)];
  const { system, streamId } = await systemWithArchivedStream(
    offsets.length,
    (n) => offsets[n]!,
    (n) => `comment ${n}`,
  );
  try {
    // Windows of 20 s, 5 s of backfill: a seek to 97 s would reach back into the window before.
    const page = await openPage(`${system.http.archive}/?stream=${streamId}&window=20&backfill=5`);
    await waitForState(page, "replay");
    await page.waitForFunction(`document.getElementById("player").readyState >= 1 && document.querySelectorAll("#timeline .peak").length > 0`);
    const strip = await page.evaluate<{ bucketS: number; bars: number; peaks: number[] }>(`({
      bucketS: Number(document.getElementById("timeline").dataset.bucketS),
      bars: document.querySelectorAll("#timeline .bars span").length,
      peaks: [...document.querySelectorAll("#timeline .peak")].map((peak) => Number(peak.dataset.offsetMs)),
    })`);
    assert.equal(strip.bucketS, 1, "about 500 buckets: one a second over 150 s");
    assert.equal(strip.bars, 150);
    assert.deepEqual(strip.peaks, [burstSecond * 1000], "one peak, at the burst");

    const windowsRead: number[] = [];
    page.on("request", (request) => {
      const url = new URL(request.url());
      if (url.pathname.endsWith("/comments")) windowsRead.push(Number(url.searchParams.get("start_time")));
    });
    await page.click("#timeline .peak");
    await page.waitForFunction(
      `[...document.querySelectorAll("#comments li")].some((li) => Math.floor(Number(li.getAttribute("data-offset-ms")) / 1000) === ${burstSecond})`,
      undefined,
      { timeout: 10_000 },
    );
    const landed = await page.evaluate<number>(`document.getElementById("player").currentTime`);
    assert.ok(landed >= burstSecond - 1 && landed < burstSecond + 2, `the click landed at ${landed} s, the peak is at ${burstSecond} s`);
    const offsetsShown = (await shown(page)).map((item) => item.offset);
    assert.ok(
      offsetsShown.filter((offset) => Math.floor(offset / 1000) === burstSecond).length >= 1,
      `the list shows the burst: ${JSON.stringify(offsetsShown.slice(0, 5))}…`,
    );
    assert.equal(windowsRead[0], 80, "the window holding 97 s is read first");
    assert.ok(
      windowsRead.every((start) => start >= 80),
      `nothing before it: ${JSON.stringify(windowsRead)}`,
    );
    if (SCREENSHOTS) await page.screenshot({ path: `${SCREENSHOTS}/timeline.png` });

    // A click on a bar seeks to its bucket.
    const box = (await page.locator("#timeline .bars").boundingBox())!;
    await page.mouse.click(box.x + (box.width * 40.5) / 150, box.y + box.height - 2);
    await page.waitForFunction(`Math.abs(document.getElementById("player").currentTime - 40) <= 1`, undefined, { timeout: 5_000 });
    await page.close();
  } finally {
    await system.stop();
    system.dispose();
  }
});

test("should grow a live stream's timeline from the comments its feed brings, without reading the timeline again", async () => {
  await withEmbeddedSystem({ env: { LC_RATE_LIMITS: "off" } }, async (system, api) => {
    const streamId = await api.createStream();
    const page = await openPage(`${system.http.edge}/?stream=${streamId}`);
    const timelineReadAt: number[] = [];
    page.on("request", (request) => {
      if (new URL(request.url()).pathname.endsWith("/timeline")) timelineReadAt.push(Date.now());
    });
    await waitForState(page, "open");
    // Drawn once the page's own first read of the timeline answered.
    await page.waitForSelector("#timeline[data-bucket-s]");
    const postedAt = Date.now();
    await Promise.all(Array.from({ length: 7 }, (_, i) => api.post(streamId, `viewer-${i}`, `live ${i}`)));
    const counted = `[...document.querySelectorAll("#timeline .bars span")].reduce((sum, bar) => sum + Number(bar.dataset.count), 0)`;
    await page
      .waitForFunction(`${counted} === 7`, undefined, { timeout: 5_000 })
      .catch(async () => assert.fail(`the strip counts ${await page.evaluate(counted)} of 7`));
    assert.deepEqual(
      timelineReadAt.filter((at) => at >= postedAt),
      [],
      "the page read the timeline before these comments, and not again within the minute",
    );
    await page.close();
  });
});
