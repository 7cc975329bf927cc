import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { LcError } from "../../core/errors.js";

/** A better-sqlite3 connection, as the embedded adapters share it. */
export type SqliteDatabase = Database.Database;

/**
 * Opens (creating when missing) the embedded database file.
 *
 * WAL with synchronous=FULL makes every commit durable against power loss, not just a
 * process crash; the log groups appends so that one fsync covers many comments. The
 * exclusive lock makes a second process on the same file fail at once with a clear error
 * instead of two writers racing on the per-stream counters.
 */
export function openDatabase(file: string): SqliteDatabase {
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  // timeout 0: a file locked by another process fails at once instead of after five seconds.
  const db = new Database(file, { timeout: 0 });
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("locking_mode = EXCLUSIVE");
    db.pragma("busy_timeout = 0");
    db.exec("BEGIN IMMEDIATE; COMMIT;");
  } catch (error) {
    db.close();
    throw new LcError("unavailable", `cannot open ${file}: is another livecomments process using it?`, { cause: error });
  }
  return db;
}
