import { openDatabase } from "../sqlite/open-database.js";
import { streamRegistryContract } from "./contract.js";
import { createSqliteStreamRegistry } from "./sqlite.js";

streamRegistryContract("sqlite stream registry", async () => {
  const db = openDatabase(":memory:");
  return { registry: createSqliteStreamRegistry(db), dispose: async () => void db.close() };
});
