import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../sqlite/open-database.js";
import { moderationStoreContract } from "./contract.js";
import { createSqliteModerationStore } from "./sqlite.js";

moderationStoreContract("sqlite moderation store", async () => {
  const dir = mkdtempSync(join(tmpdir(), "lc-moderation-"));
  const file = join(dir, "db.sqlite");
  let db: ReturnType<typeof openDatabase> | undefined;
  return {
    async open() {
      db = openDatabase(file);
      const store = createSqliteModerationStore(db);
      return {
        ...store,
        close: async () => {
          db?.close();
        },
      };
    },
    async dispose() {
      if (db?.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
