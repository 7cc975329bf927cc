/**
 * Reads an engine address that `npm test` (scripts/engines.mjs) puts in the environment.
 * Engine-backed tests never skip: without the address they fail and say how to run them.
 */
export function engineAddress(name: "LC_KAFKA_BROKERS" | "LC_REDIS_URL" | "LC_REDIS_SERVER" | "LC_CASSANDRA_CONTACT_POINTS" | "LC_CASSANDRA_DC"): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: engine-backed tests run through \`npm test\`, which starts Kafka, Cassandra and Redis (scripts/engines.mjs)`);
  }
  return value;
}

/** A name unique to this test run, for topics, groups and keyspaces. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}
