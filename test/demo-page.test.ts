import assert from "node:assert/strict";
import { test } from "vitest";
import { withEmbeddedSystem } from "../harness/embedded-system.js";

test("should serve the demo page, the SDK bundle and the replay video with byte ranges", async () => {
  await withEmbeddedSystem({}, async (system) => {
    const base = system.http.edge;
    const page = await fetch(`${base}/?stream=anything`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
    assert.match(page.headers.get("content-security-policy") ?? "", /default-src 'none'/);
    assert.match(await page.text(), /<script type="module" src="\/demo\/demo.js">/);

    const sdk = await fetch(`${base}/sdk/livecomments.js`);
    assert.equal(sdk.status, 200);
    assert.match(sdk.headers.get("content-type") ?? "", /^text\/javascript/);
    assert.match(await sdk.text(), /PlaybackSync|LiveFeed/);

    const whole = await fetch(`${base}/demo/replay.webm`);
    const size = Number(whole.headers.get("content-length"));
    assert.equal((await whole.arrayBuffer()).byteLength, size);
    const part = await fetch(`${base}/demo/replay.webm`, { headers: { range: "bytes=100-199" } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get("content-range"), `bytes 100-199/${size}`);
    assert.equal((await part.arrayBuffer()).byteLength, 100);
    const tail = await fetch(`${base}/demo/replay.webm`, { headers: { range: "bytes=-10" } });
    assert.equal(tail.headers.get("content-range"), `bytes ${size - 10}-${size - 1}/${size}`);
    const beyond = await fetch(`${base}/demo/replay.webm`, { headers: { range: `bytes=${size}-` } });
    assert.equal(beyond.status, 416);

    for (const path of ["/demo/../package.json", "/demo/%2e%2e/package.json", "/demo/demo.js.map", "/demo/index.html"]) {
      const refused = await fetch(`${base}${path}`);
      assert.equal(refused.status, 404, path);
    }
  });
});

test("should hand out guest tokens only with the development secret", async () => {
  await withEmbeddedSystem({}, async (system) => {
    const refused = await fetch(`${system.http.edge}/demo/guest-token?name=Ada`);
    assert.equal(refused.status, 404);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, "not_found");
  });
  await withEmbeddedSystem({ devSecret: true }, async (system, api) => {
    const answer = await fetch(`${system.http.edge}/demo/guest-token?name=${encodeURIComponent(" Ada ")}`);
    assert.equal(answer.status, 200);
    const { token, user_id: userId } = (await answer.json()) as { token: string; user_id: string };
    assert.match(userId, /^guest-[0-9a-f]{12}$/);
    const streamId = await api.createStream();
    const posted = await api.request("POST", `/v1/streams/${streamId}/comments`, { token, json: { text: "hi" } });
    assert.equal(posted.status, 202, "the guest token posts");
    const [comment] = (await api.waitForArchive(streamId, 1)) as { username: string; user_id: string }[];
    assert.deepEqual([comment!.username, comment!.user_id], ["Ada", userId]);
    const admin = await api.request("POST", "/v1/streams", { token, json: {} });
    assert.equal(admin.status, 403, "a guest may not create streams");
    for (const name of ["x".repeat(41), "a\u0007b"]) {
      const bad = await fetch(`${system.http.edge}/demo/guest-token?name=${encodeURIComponent(name)}`);
      assert.equal(bad.status, 400, JSON.stringify(name));
    }
  });
});
