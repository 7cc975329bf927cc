import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SqliteDatabase } from "../sqlite/open-database.js";
import { openDatabase } from "../sqlite/open-database.js";
import { commentLogContract } from "./contract.js";
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
