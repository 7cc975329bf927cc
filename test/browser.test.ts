// End-to-end tests of the demo page and the browser SDK in headless Chromium (Debian's
// chromium, driven by playwright-core), against the one-process system as `npm start` runs it.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { afterAll, afterEach, beforeAll, test } from "vitest";
import type { Browser, Page } from "playwright-core";
import { ApiClient } from "../harness/http-client.js";
import type { Accepted } from "../harness/http-client.js";
import { startEmbeddedSystem, withEmbeddedSystem } from "../harness/embedded-system.js";
import { freePort } from "../harness/free-port.js";
import { launchChromium } from "../harness/chromium.js";

/** LC_SCREENSHOTS=<folder> keeps pictures of the live and replay views (the README's). */
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
    const started = Date.now();
    await poster.click("#post-button");
    await waitForCount(viewer, 2, 5_000);
    const elapsedMs = Date.now() - started;
    assert.ok(elapsedMs <= 1_000, `the other page showed the comment after ${elapsedMs} ms`);

    const items = await shown(viewer);
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
