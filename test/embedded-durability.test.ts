import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "vitest";
import Database from "better-sqlite3";
import { DATABASE_FILE } from "../app/embedded-app.js";
import type { Accepted } from "../harness/http-client.js";
import { ApiClient } from "../harness/http-client.js";
import { startEmbeddedSystem } from "../harness/embedded-system.js";
import { SseRecorder } from "../harness/sse-client.js";

test("should keep every comment answered 202 through a kill -9, and serve them after restart", async () => {
  const env = { LC_RATE_LIMITS: "off" };
  const first = await startEmbeddedSystem({ env });
  const api = new ApiClient(first.http, first.jwtSecret);
  const streamId = await api.createStream();
  const token = await api.token("poster");

  const accepted: Accepted[] = [];
  let killed: Promise<void> | undefined;
  const post = async (i: number) => {
    try {
      const response = await api.request("POST", `/v1/streams/${streamId}/comments`, { token, json: { text: `c${i}` } });
      if (response.status === 202) accepted.push(response.json as unknown as Accepted);
    } catch {
      // The process died under this request: no 202, so nothing was promised.
    }
    if (accepted.length >= 150) killed ??= first.kill();
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: 30 }, async () => {
      while (next < 400 && !killed) await post(next++);
    }),
  );
  await killed;
  assert.ok(accepted.length >= 150, `only ${accepted.length} accepted before the kill`);

  // The file itself holds every accepted comment: nothing waited in memory.
  const db = new Database(join(first.dataDir, DATABASE_FILE), { readonly: true });
  const stored = new Set(db.prepare("SELECT comment_id FROM log_records WHERE kind = 'comment'").pluck().all() as string[]);
  db.close();
  const missing = accepted.filter((a) => !stored.has(a.comment_id));
  assert.deepEqual(missing, [], "comments answered 202 but not in the file");

  const second = await startEmbeddedSystem({ env: { ...env, LC_JWT_SECRET: first.jwtSecret }, dataDir: first.dataDir });
  try {
    const api2 = new ApiClient(second.http, second.jwtSecret);
    const archived = await api2.waitForArchive(streamId, accepted.length);
    const archivedIds = new Set(archived.map((c) => c.comment_id));
    assert.equal(archivedIds.size, archived.length, "no duplicate in the archive");
    assert.ok(
      accepted.every((a) => archivedIds.has(a.comment_id)),
      "every accepted comment reached the archive",
    );

    const viewer = new SseRecorder(api2.url(`/v1/streams/${streamId}/comments/subscribe?last_event_id=0`));
    try {
      await viewer.opened();
      await viewer.until(() => viewer.comments().length >= archived.length, 10_000);
      const seqs = viewer.comments().map((c) => c.seq);
      assert.deepEqual(
        seqs,
        [...seqs].sort((a, b) => a - b),
        "in log order",
      );
      assert.equal(new Set(seqs).size, seqs.length, "no duplicate");
      const seen = new Set(viewer.comments().map((c) => c.comment_id));
      assert.ok(
        accepted.every((a) => seen.has(a.comment_id)),
        "the resumed viewer saw every accepted comment",
      );
    } finally {
      viewer.close();
    }
  } finally {
    await second.stop();
    second.dispose();
  }
});

test("should refuse to start a second process on the same data folder", async () => {
  const first = await startEmbeddedSystem();
  try {
    await assert.rejects(startEmbeddedSystem({ dataDir: first.dataDir }), /another livecomments process/);
  } finally {
    await first.stop();
    first.dispose();
  }
});
