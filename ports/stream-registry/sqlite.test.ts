import assert from "node:assert/strict";
import { test } from "vitest";
import { openDatabase } from "../sqlite/open-database.js";
import { streamRegistryContract } from "./contract.js";
import { createSqliteStreamRegistry } from "./sqlite.js";

streamRegistryContract("sqlite stream registry", async () => {
  const db = openDatabase(":memory:");
  return { registry: createSqliteStreamRegistry(db), dispose: async () => void db.close() };
});

test("should add the moderation columns to a registry written before them, keeping its streams", async () => {
  const db = openDatabase(":memory:");
  db.exec(`CREATE TABLE streams (stream_id TEXT PRIMARY KEY, title TEXT NOT NULL, started_at INTEGER NOT NULL, ended_at INTEGER) WITHOUT ROWID;
    INSERT INTO streams VALUES ('old', 'Before', 1000, NULL);`);
  const registry = createSqliteStreamRegistry(db);
  assert.deepEqual(await registry.get("old"), { streamId: "old", title: "Before", startedAt: 1000 });
  assert.equal((await registry.update("old", { slowModeS: 5 }))?.slowModeS, 5);
  db.close();
});
