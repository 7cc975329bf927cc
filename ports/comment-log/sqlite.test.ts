import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SqliteDatabase } from "../sqlite/open-database.js";
import { openDatabase } from "../sqlite/open-database.js";
import { test } from "vitest";
import { commentsOf } from "../../core/log-event.js";
import { commentLogContract } from "./contract.js";
import { appendComment } from "./index.js";
import { createSqliteCommentLog } from "./sqlite.js";

commentLogContract(
  "sqlite comment log",
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "lc-log-"));
    let db: SqliteDatabase | undefined;
    return {
      async open() {
        db?.close();
        db = openDatabase(join(dir, "log.sqlite"));
        return createSqliteCommentLog({ db });
      },
      async dispose() {
        db?.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  { history: true },
);

test("should convert a log written before LogRecords, keeping every comment, its seq and the groups' positions", async () => {
  const db = openDatabase(":memory:");
  // The table as the previous version wrote it: a comment per row, in columns.
  db.exec(`
    CREATE TABLE log (
      pos INTEGER PRIMARY KEY, stream_id TEXT NOT NULL, seq INTEGER NOT NULL, comment_id TEXT NOT NULL, user_id TEXT NOT NULL,
      username TEXT NOT NULL, text TEXT NOT NULL, server_ts INTEGER NOT NULL, offset_ms INTEGER NOT NULL,
      client_ts INTEGER, meta TEXT, request_id TEXT, UNIQUE (stream_id, seq)
    );
    CREATE TABLE log_stream_seq (stream_id TEXT PRIMARY KEY, last_seq INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE log_consumer_offsets (grp TEXT PRIMARY KEY, pos INTEGER NOT NULL) WITHOUT ROWID;
    INSERT INTO log VALUES (1, 's1', 1, 'c1', 'u1', 'Ann', 'first', 1000, 0, 990, '{"k":1}', 'req-1');
    INSERT INTO log VALUES (2, 's1', 2, 'c2', 'u2', 'Bob', 'second', 1500, 500, NULL, NULL, NULL);
    INSERT INTO log_stream_seq VALUES ('s1', 2);
    INSERT INTO log_consumer_offsets VALUES ('archive', 1);
  `);
  const log = createSqliteCommentLog({ db });
  try {
    assert.deepEqual(
      commentsOf(await log.readAfter("s1", 0, 10)).map((c) => [c.commentId, c.seq, c.text, c.requestId]),
      [
        ["c1", 1, "first", "req-1"],
        ["c2", 2, "second", undefined],
      ],
    );
    assert.equal(db.prepare("SELECT name FROM sqlite_master WHERE name = 'log'").get(), undefined, "the old table is gone");
    const next = await appendComment(log, { commentId: "c3", streamId: "s1", userId: "u1", username: "Ann", text: "third", serverTs: 2000, offsetMs: 1000 });
    assert.equal(next.seq, 3, "seqs go on from the converted log");
    assert.equal(await log.lag("archive"), 2, "the group resumes after what it had committed");
  } finally {
    await log.close();
    db.close();
  }
});
