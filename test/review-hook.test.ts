// The review hook end to end: the distributed mode behind nginx (the shipped configuration,
// serving the demo page too), ingest asking examples/review-hook, and people in Chromium: an
// author whose comment is held sees it held for review, a moderator approves it from the held
// queue, and a viewer then sees it live.
import assert from "node:assert/strict";
import { join } from "node:path";
import { afterAll, beforeAll, test } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "../harness/chromium.js";
import { startDistributedSystem } from "../harness/distributed-system.js";
import type { DistributedSystem } from "../harness/distributed-system.js";
import { freePort } from "../harness/free-port.js";
import { ApiClient, errorCode } from "../harness/http-client.js";
import { startNginx } from "../harness/nginx.js";
import type { RunningNginx } from "../harness/nginx.js";
import { PROJECT_ROOT } from "../harness/project-root.js";
import type { RoleProcess } from "../harness/role-process.js";
import { startNodeProcess } from "../harness/role-process.js";

/** LC_SCREENSHOTS=<folder> keeps a picture of the moderator's page (docs/screenshots/). */
const SCREENSHOTS = process.env.LC_SCREENSHOTS;

let hook: RoleProcess;
let system: DistributedSystem;
let nginx: RunningNginx;
let browser: Browser;
let api: ApiClient;
const pageErrors: string[] = [];

beforeAll(async () => {
  const port = await freePort();
  hook = await startNodeProcess(
    [join(PROJECT_ROOT, "dist", "examples", "review-hook", "review-hook.js")],
    { LC_HOOK_PORT: String(port), LC_HOOK_WORDS: "spoiler,leak", LC_HOOK_NEW_ACCOUNT_S: "600" },
    /listening on/,
    "review-hook",
  );
  // A generous timeout: this test is about what the hook decides, not about how fast (test/review-hook-failures.test.ts is).
  system = await startDistributedSystem({ LC_REVIEW_URL: `http://127.0.0.1:${port}`, LC_REVIEW_TIMEOUT_MS: "2000", LC_TRUSTED_PROXIES: "127.0.0.1" });
  nginx = await startNginx(system.http, { serveDemo: true });
  api = new ApiClient({ ingest: nginx.url, edge: nginx.url, archive: nginx.url }, system.jwtSecret);
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await nginx?.stop();
  await system?.stop();
  await hook?.stop();
});

async function openPage(url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 700 }, bypassCSP: true });
  page.on("pageerror", (error) => pageErrors.push(`${url}: ${error.message}`));
  await page.goto(url);
  return page;
}

/** The texts of a page's comment list, with whether each is the author's held one. */
function listed(page: Page): Promise<{ text: string; held: boolean }[]> {
  return page.evaluate(`[...document.querySelectorAll("#comments li")].map((item) => ({
    text: item.querySelector(".text").textContent,
    held: item.hasAttribute("data-held"),
  }))`);
}

test(
  "should hold a comment through the review hook, show it held to its author, and publish it when a moderator approves it in the page",
  { timeout: 120_000 },
  async () => {
    const admin = await api.token("admin", "streams:admin");
    const streamId = `hooked-${Date.now().toString(36)}`;
    const created = await api.request("POST", "/v1/streams", { token: admin, json: { stream_id: streamId, title: "Final", owner_id: "host" } });
    assert.equal(created.status, 201, created.text);

    // What the hook decides, through ingest: a word from its list is held, a link from an account
    // it has just met is rejected with its reason, anything else is published.
    const plain = await api.request("POST", `/v1/streams/${streamId}/comments`, { token: await api.token("regular"), json: { text: "what a match" } });
    assert.deepEqual([plain.status, plain.json.status], [202, "published"]);
    const link = await api.request("POST", `/v1/streams/${streamId}/comments`, { token: await api.token("newcomer"), json: { text: "see www.example.com" } });
    assert.deepEqual([link.status, errorCode(link)], [403, "comment_rejected"]);
    assert.match(link.text, /new accounts may not post links/);

    const moderatorPage = await openPage(`${nginx.url}/?stream=${streamId}#token=${await api.token("mod", "comments:moderate")}`);
    const viewerPage = await openPage(`${nginx.url}/?stream=${streamId}`);
    const authorPage = await openPage(`${nginx.url}/?stream=${streamId}&name=Ann#token=${await api.token("ann")}`);
    await moderatorPage.waitForSelector("#held[data-ready]");
    for (const page of [viewerPage, authorPage]) await page.waitForSelector(`#state[data-state="open"]`);
    assert.equal(await authorPage.$("#held"), null, "an author who does not moderate has no held queue");

    await authorPage.fill("#post-text", "the SPOILER: they win on penalties");
    await authorPage.click("#post-button");
    await authorPage.waitForSelector("#comments li[data-held] .badge");
    assert.deepEqual(await listed(authorPage).then((items) => items.filter((i) => i.held).map((i) => i.text)), ["the SPOILER: they win on penalties"]);

    const queued = await moderatorPage.waitForSelector("#held-list li");
    assert.equal(await queued.$eval(".text", (node) => node.textContent), "the SPOILER: they win on penalties");
    assert.match((await queued.$eval(".reason", (node) => node.textContent)) ?? "", /contains "spoiler"/);
    assert.ok(!(await listed(viewerPage)).some((item) => item.text.includes("SPOILER")), "viewers never see a held comment");
    if (SCREENSHOTS) await moderatorPage.screenshot({ path: join(SCREENSHOTS, "moderation-held-queue.png") });

    await (await queued.$('[data-action="approve"]'))!.click();
    await viewerPage.waitForFunction(`[...document.querySelectorAll("#comments li .text")].some((node) => node.textContent.includes("SPOILER"))`, undefined, {
      timeout: 10_000,
    });
    await moderatorPage.waitForFunction(`document.querySelectorAll("#held-list li").length === 0`, undefined, { timeout: 10_000 });
    await authorPage.waitForFunction(`!document.querySelector("#comments li[data-held]")`, undefined, { timeout: 10_000 });
    assert.deepEqual(
      (await listed(authorPage)).filter((item) => item.text.includes("SPOILER")),
      [{ text: "the SPOILER: they win on penalties", held: false }],
      "the author's held comment became the published one",
    );
    assert.deepEqual(pageErrors, []);
  },
);
