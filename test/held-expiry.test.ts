// A held comment nobody reviews expires after LC_HELD_TTL_S: it leaves the queue (moderators
// watching get held_resolved "expired"), can no longer be approved, and is never shown.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, test } from "vitest";
import { readEmbeddedConfig } from "../app/config.js";
import type { EmbeddedApp } from "../app/embedded-app.js";
import { startEmbeddedApp } from "../app/embedded-app.js";
import { silentLogger } from "../core/logger.js";
import { ApiClient, errorCode } from "../harness/http-client.js";
import { SseRecorder } from "../harness/sse-client.js";

/** The shortest TTL the setting allows. */
const HELD_TTL_S = 10;

const dir = mkdtempSync(join(tmpdir(), "lc-held-ttl-"));
let app: EmbeddedApp;
let api: ApiClient;
beforeAll(async () => {
  app = await startEmbeddedApp(
    readEmbeddedConfig({ HOST: "127.0.0.1", PORT: "0", GRPC_PORT: "0", LC_DATA_DIR: dir, LC_HELD_TTL_S: String(HELD_TTL_S), LC_ARCHIVE_SETTLE_MS: "100" }),
    silentLogger,
  );
  const url = `http://127.0.0.1:${app.httpPort}`;
  api = new ApiClient({ ingest: url, edge: url, archive: url }, app.jwtSecret);
});
afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

test("should expire a held comment nobody reviewed after LC_HELD_TTL_S, telling the moderators watching", { timeout: 30_000 }, async () => {
  const streamId = await api.createStream();
  const token = await api.token("mod", "comments:moderate");
  await api.request("PUT", `/v1/streams/${streamId}/blocked_terms`, { token, json: { terms: ["later"] } });
  const queue = new SseRecorder(api.url(`/v1/streams/${streamId}/held/subscribe?access_token=${token}`));
  try {
    await queue.opened();
    const held = await api.post(streamId, "author", "see you later");
    const heldAt = Date.now();
    assert.equal(held.status, "held");
    await queue.until(() => queue.events.some((e) => e.type === "held_resolved"), (HELD_TTL_S + 5) * 1000);
    const waited = Date.now() - heldAt;
    assert.ok(waited >= HELD_TTL_S * 1000 - 500, `expired after ${waited} ms`);
    const resolution = JSON.parse(queue.events.find((e) => e.type === "held_resolved")!.data) as unknown;
    assert.deepEqual(resolution, { comment_id: held.comment_id, outcome: "expired", seq: null });
    assert.deepEqual((await api.request("GET", `/v1/streams/${streamId}/held`, { token })).json, { held: [] });
    const late = await api.request("POST", `/v1/streams/${streamId}/held/${held.comment_id}/approve`, { token });
    assert.deepEqual([late.status, errorCode(late)], [404, "held_not_found"]);
    await api.post(streamId, "author", "a published one");
    assert.deepEqual(
      (await api.waitForArchive(streamId, 1)).map((c) => c.text),
      ["a published one"],
    );
  } finally {
    queue.close();
  }
});
