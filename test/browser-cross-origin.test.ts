// A page served from one origin uses the API on another through the browser SDK's baseUrl:
// Chromium enforces CORS for real (preflights, EventSource), which no HTTP client does.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "../harness/chromium.js";
import { startEmbeddedSystem } from "../harness/embedded-system.js";
import type { EmbeddedSystem } from "../harness/embedded-system.js";
import { freePort } from "../harness/free-port.js";
import { ApiClient } from "../harness/http-client.js";
import { PROJECT_ROOT } from "../harness/project-root.js";

/** A site's page: the SDK from its own origin, the API at `api`, results on `window`. */
const PAGE = `<!doctype html><meta charset="utf-8"><title>site</title>
<script type="module">
  import { CommentPoster, LiveFeed } from "/sdk.js";
  const params = new URLSearchParams(location.search);
  const api = params.get("api");
  const streamId = params.get("stream");
  window.received = [];
  window.states = [];
  new LiveFeed({
    baseUrl: api,
    streamId,
    batchMs: 0,
    onComments: (comments) => window.received.push(...comments.map((comment) => comment.text)),
    onStateChange: (state) => window.states.push(state),
  });
  const poster = new CommentPoster({ baseUrl: api, token: params.get("token"), maxAttempts: 1 });
  window.post = (text) => poster.post(streamId, text).then((accepted) => accepted.seq, (error) => "refused: " + error);
</script>`;

/** Serves the page and the SDK bundle on one loopback address. */
async function startSite(host: string): Promise<{ origin: string; close(): Promise<void> }> {
  const sdk = readFileSync(join(PROJECT_ROOT, "dist", "browser", "livecomments.js"));
  const server = createServer((req, res) => {
    if (req.url?.startsWith("/sdk.js")) res.writeHead(200, { "content-type": "text/javascript" }).end(sdk);
    else res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    origin: `http://${host}:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe("a page on another origin (Chromium)", () => {
  let browser: Browser;
  let system: EmbeddedSystem;
  let api: ApiClient;
  let listed: Awaited<ReturnType<typeof startSite>>;
  let unlisted: Awaited<ReturnType<typeof startSite>>;
  beforeAll(async () => {
    [listed, unlisted, browser] = await Promise.all([startSite("127.0.0.2"), startSite("127.0.0.3"), launchChromium()]);
    // The API is on 127.0.0.1: the page's origin differs from it by host and port.
    system = await startEmbeddedSystem({ env: { LC_CORS_ORIGINS: listed.origin, PORT: String(await freePort()) } });
    api = new ApiClient(system.http, system.jwtSecret);
  });
  afterAll(async () => {
    await browser?.close();
    await system?.stop();
    system?.dispose();
    await Promise.all([listed?.close(), unlisted?.close()]);
  });

  const open = async (site: { origin: string }, streamId: string): Promise<Page> => {
    const page = await browser.newPage();
    const query = new URLSearchParams({ api: system.http.edge, stream: streamId, token: await api.token("site-user") });
    await page.goto(`${site.origin}/?${query}`);
    return page;
  };

  it("should watch and post live comments from a listed origin through the SDK's baseUrl", async () => {
    const streamId = await api.createStream();
    const page = await open(listed, streamId);
    await page.waitForFunction(`window.states.includes("open")`, undefined, { timeout: 10_000 });
    const seq = await page.evaluate(`window.post("hello from ${listed.origin}")`);
    assert.equal(typeof seq, "number", String(seq));
    await api.post(streamId, "someone-else", "hello from the API's own side");
    await page.waitForFunction(`window.received.length >= 2`, undefined, { timeout: 10_000 });
    assert.deepEqual(await page.evaluate("window.received"), [`hello from ${listed.origin}`, "hello from the API's own side"]);
    await page.close();
  });

  it("should be refused by the browser on an origin not listed: no post sent, no live stream", async () => {
    const streamId = await api.createStream();
    const page = await open(unlisted, streamId);
    const answer = await page.evaluate(`window.post("from a site not listed")`);
    assert.match(String(answer), /^refused: /);
    await api.post(streamId, "someone-else", "not for that page");
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.deepEqual(await page.evaluate("window.received"), []);
    assert.ok(!(await page.evaluate<string[]>("window.states")).includes("open"));
    const archived = await api.waitForArchive(streamId, 1);
    assert.deepEqual(
      archived.map((comment) => comment.text),
      ["not for that page"],
      "the refused post never reached the server",
    );
    await page.close();
  });
});
