import assert from "node:assert/strict";
import { test } from "vitest";
import { openDatabase } from "../sqlite/open-database.js";
import { archiveStoreContract } from "./contract.js";
import { createSqliteArchiveStore } from "./sqlite.js";

archiveStoreContract("sqlite archive store", async () => {
  const db = openDatabase(":memory:");
  return { store: createSqliteArchiveStore(db), dispose: async () => void db.close() };
});

test("should keep one row per comment in an archive written before comment ids were unique or seconds were counted, dropping the later copies", async () => {
  const db = openDatabase(":memory:");
  db.exec(`CREATE TABLE archive_comments (
      stream_id TEXT NOT NULL, seq INTEGER NOT NULL, comment_id TEXT NOT NULL, user_id TEXT NOT NULL, username TEXT NOT NULL,
      text TEXT NOT NULL, server_ts INTEGER NOT NULL, offset_ms INTEGER NOT NULL, PRIMARY KEY (stream_id, offset_ms, seq)
    ) WITHOUT ROWID;
    INSERT INTO archive_comments VALUES ('s1', 1, 'c1', 'u', 'U', 'hello', 1000, 0);
    INSERT INTO archive_comments VALUES ('s1', 2, 'c2', 'u', 'U', 'world', 1001, 1);
    INSERT INTO archive_comments VALUES ('s1', 3, 'c1', 'u', 'U', 'hello', 1000, 0);`);
  const store = createSqliteArchiveStore(db);
  assert.deepEqual(
    (await store.window({ streamId: "s1", fromMs: 0, toMs: 10, limit: 10 })).map((c) => c.seq),
    [1, 2],
  );
  assert.equal(await store.count("s1", 0), 2);
  assert.deepEqual(await store.secondCounts("s1"), [{ second: 0, count: 2 }], "its seconds counted when the table is made");
  db.close();
});
