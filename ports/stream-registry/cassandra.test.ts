import { testCassandra } from "../../harness/cassandra.js";
import { createCachedStreamRegistry } from "./cached.js";
import { streamRegistryContract } from "./contract.js";
import { createCassandraStreamRegistry } from "./cassandra.js";

streamRegistryContract("cassandra stream registry", async () => {
  const client = await testCassandra();
  return { registry: await createCassandraStreamRegistry(client), dispose: () => client.shutdown() };
});

streamRegistryContract("cached cassandra stream registry", async () => {
  const client = await testCassandra();
  return { registry: createCachedStreamRegistry(await createCassandraStreamRegistry(client)), dispose: () => client.shutdown() };
});
