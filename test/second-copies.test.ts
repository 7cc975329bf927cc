// A second copy of a comment in the log (a Kafka producer replaced mid-batch writes it again at
// a later offset) is seen once everywhere: live, in a new viewer's recent comments, in resumes,
// in replays and in comment_count. The copy is written into the real log of each mode.
import assert from "node:assert/strict";
import { test } from "vitest";
import { join } from "node:path";
import type { CommentJson } from "../core/comment.js";
import type { CommentRecord } from "../core/comment.js";
import { DATABASE_FILE } from "../app/embedded-app.js";
import { appendComment } from "../ports/comment-log/index.js";
import { createKafkaCommentLog } from "../ports/comment-log/kafka.js";
import { createSqliteCommentLog } from "../ports/comment-log/sqlite.js";
import { openDatabase } from "../ports/sqlite/open-database.js";
import { startDistributedSystem } from "../harness/distributed-system.js";
import { startEmbeddedSystem } from "../harness/embedded-system.js";
import { engineAddress, uniqueName } from "../harness/engines.js";
import { ApiClient } from "../harness/http-client.js";
import { SseRecorder } from "../harness/sse-client.js";

/** The record ingest appended for a comment, as a second copy of it would be written. */
function recordOf(comment: CommentJson): CommentRecord {
  return {
    commentId: comment.comment_id,
    streamId: comment.stream_id,
    userId: comment.user_id,
    username: comment.username,
    text: comment.text,
    serverTs: comment.server_ts,
    offsetMs: comment.offset_ms,
  };
}

/**
 * Everything a viewer or a replay can see of the stream shows `texts`, each once; a viewer
 * resuming after the first of them gets the others.
 */
async function seenOnceEverywhere(api: ApiClient, streamId: string, texts: string[], resumeAfter: number): Promise<void> {
  for (const deadline = Date.now() + 10_000; ; await new Promise((resolve) => setTimeout(resolve, 100))) {
    const window = (await api.request("GET", `/v1/streams/${streamId}/comments?start_time=0&duration=3600`)).json.comments as CommentJson[];
    const count = (await api.request("GET", `/v1/streams/${streamId}`)).json.comment_count;
    if (window.length >= texts.length && count === texts.length) {
      assert.deepEqual(
        window.map((c) => c.text),
        texts,
        "replay",
      );
      break;
    }
    if (Date.now() > deadline) assert.fail(`replay shows ${window.map((c) => c.text).join()}, count ${String(count)}`);
  }
  const fresh = new SseRecorder(api.url(`/v1/streams/${streamId}/comments/subscribe`));
  const resumed = new SseRecorder(api.url(`/v1/streams/${streamId}/comments/subscribe?batch_ms=0`), String(resumeAfter));
  try {
    await fresh.until(() => fresh.comments().length >= texts.length);
    await resumed.until(() => resumed.comments().length >= texts.length - 1);
    await new Promise((resolve) => setTimeout(resolve, 300)); // a copy would arrive by now
    assert.deepEqual(
      fresh.comments().map((c) => c.text),
      texts,
      "a new viewer's recent comments",
    );
    assert.deepEqual(
      resumed.comments().map((c) => c.text),
      texts.slice(1),
      "a resume from before the comment",
    );
  } finally {
    fresh.close();
    resumed.close();
  }
}

test("distributed: a second copy of a comment in the Kafka log is seen once live, in history, resumes, replays and counts", async () => {
  const topic = uniqueName("copies");
  const system = await startDistributedSystem({ LC_KAFKA_TOPIC: topic });
  const log = await createKafkaCommentLog({ brokers: [engineAddress("LC_KAFKA_BROKERS")], clientId: "second-copy", topic, partitions: 3 });
  try {
    const api = new ApiClient(system.http, system.jwtSecret);
    const streamId = await api.createStream();
    const live = new SseRecorder(api.url(`/v1/streams/${streamId}/comments/subscribe?batch_ms=0`));
    try {
      await live.opened();
      const opening = await api.post(streamId, "author", "opening");
      await api.post(streamId, "author", "once");
      const [, archived] = await api.waitForArchive(streamId, 2);
      await appendComment(log, recordOf(archived!));
      await api.post(streamId, "author", "after");
      await live.until(() => live.comments().some((c) => c.text === "after"));
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(
        live.comments().map((c) => c.text),
        ["opening", "once", "after"],
        "live",
      );
      await seenOnceEverywhere(api, streamId, ["opening", "once", "after"], opening.seq);
    } finally {
      live.close();
    }
  } finally {
    await log.close();
    await system.stop();
  }
});

test("embedded: a second copy of a comment in the SQLite log is seen once in history, resumes, replays and counts after a restart", async () => {
  const first = await startEmbeddedSystem();
  const { dataDir } = first;
  const secret = first.jwtSecret;
  let api = new ApiClient(first.http, secret);
  const streamId = await api.createStream();
  const opening = await api.post(streamId, "author", "opening");
  await api.post(streamId, "author", "once");
  const [, archived] = await api.waitForArchive(streamId, 2);
  await first.stop();
  const db = openDatabase(join(dataDir, DATABASE_FILE));
  const log = createSqliteCommentLog({ db });
  await appendComment(log, recordOf(archived!));
  await log.close();
  db.close();
  const second = await startEmbeddedSystem({ dataDir, env: { LC_JWT_SECRET: secret } });
  try {
    api = new ApiClient(second.http, secret);
    await api.post(streamId, "author", "after");
    await seenOnceEverywhere(api, streamId, ["opening", "once", "after"], opening.seq);
  } finally {
    await second.stop();
    second.dispose();
  }
});
