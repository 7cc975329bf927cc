import assert from "node:assert/strict";
import { test } from "vitest";
import { TEST_KEYSPACE, testCassandra } from "../../harness/cassandra.js";
import { archiveStoreContract } from "./contract.js";
import { createCassandraArchiveStore } from "./cassandra.js";

archiveStoreContract("cassandra archive store", async () => {
  const client = await testCassandra();
  return { store: await createCassandraArchiveStore(client), dispose: () => client.shutdown() };
});

// A tiny bucket makes every window span several partitions, to check the walk across them.
archiveStoreContract("cassandra archive store with 100 ms buckets", async () => {
  const client = await testCassandra(`${TEST_KEYSPACE}_b100`);
  return { store: await createCassandraArchiveStore(client, { bucketMs: 100 }), dispose: () => client.shutdown() };
});

test("should refuse to read an archive with another bucket width than it was created with", async () => {
  const client = await testCassandra();
  try {
    await createCassandraArchiveStore(client);
    await assert.rejects(createCassandraArchiveStore(client, { bucketMs: 30_000 }), /uses 60000 ms buckets/);
  } finally {
    await client.shutdown();
  }
});
