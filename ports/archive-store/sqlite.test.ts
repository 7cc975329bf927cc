import { openDatabase } from "../sqlite/open-database.js";
import { archiveStoreContract } from "./contract.js";
import { createSqliteArchiveStore } from "./sqlite.js";

archiveStoreContract("sqlite archive store", async () => {
  const db = openDatabase(":memory:");
  return { store: createSqliteArchiveStore(db), dispose: async () => void db.close() };
});
