import assert from "node:assert/strict";
import { test } from "vitest";
import { testComment } from "../core/comment-fixtures.js";
import type { CommentRecord } from "../core/comment.js";
import { commentEntry } from "../core/log-event.js";
import { createSqliteArchiveStore } from "../ports/archive-store/sqlite.js";
import { appendComment } from "../ports/comment-log/index.js";
import { createSqliteCommentLog } from "../ports/comment-log/sqlite.js";
import { openDatabase } from "../ports/sqlite/open-database.js";
import { startArchiveWriter } from "./archive-writer.js";

const record = (seq: number): CommentRecord => {
  const { seq: _seq, ...rest } = testComment(seq, "s1", `text ${seq}`);
  return rest;
};

test("should keep a deleted comment out, and a second copy of a comment out, also when the archive is rebuilt from the log", async () => {
  const logDb = openDatabase(":memory:");
  const log = createSqliteCommentLog({ db: logDb });
  const kept = await appendComment(log, record(1));
  const doomed = await appendComment(log, record(2));
  await log.append({
    kind: "deletion",
    streamId: "s1",
    commentId: doomed.commentId,
    deletedAt: 1,
    offsetMs: doomed.offsetMs,
    commentSeq: doomed.seq,
    moderatorId: "m",
  });
  await log.append(commentEntry(record(1))); // a second copy of the first comment
  await log.append(commentEntry(record(2))); // and of the deleted one, after its deletion

  /** Copies the whole log into a fresh archive, as a rebuild does, and answers what it holds. */
  const archiveFromScratch = async () => {
    logDb.exec("DELETE FROM log_consumer_offsets"); // the writer's group starts over from the earliest record
    const store = createSqliteArchiveStore(openDatabase(":memory:"));
    const writer = await startArchiveWriter(log, store, { lagPollMs: 20 });
    for (const deadline = Date.now() + 5_000; writer.status().lagComments !== 0 && Date.now() < deadline;)
      await new Promise((resolve) => setTimeout(resolve, 20));
    await writer.stop();
    return { window: await store.window({ streamId: "s1", fromMs: 0, toMs: 1_000_000, limit: 100 }), count: await store.count("s1", 0) };
  };
  for (const run of ["first copy", "rebuilt from the log"]) {
    const { window, count } = await archiveFromScratch();
    assert.deepEqual(
      window.map((c) => c.commentId),
      [kept.commentId],
      run,
    );
    assert.equal(count, 1, run);
  }
  await log.close();
});
