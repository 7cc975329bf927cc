import cassandra from "cassandra-driver";
import { LcError } from "../../core/errors.js";

/** Where and how to reach Cassandra. */
export interface CassandraOptions {
  /** host:port pairs. */
  readonly contactPoints: readonly string[];
  readonly localDataCenter: string;
  readonly keyspace: string;
  /** Replication factor of a keyspace this creates (SimpleStrategy). */
  readonly replicationFactor?: number;
}

/** Keyspace names Cassandra accepts; checked because the name is put into CQL text. */
const KEYSPACE_PATTERN = /^[a-zA-Z][a-zA-Z0-9_]{0,47}$/;

/**
 * Connects, creates the keyspace when missing, and returns a client bound to it. Schema
 * statements are idempotent (IF NOT EXISTS), so every process may run them at start.
 */
export async function connectCassandra(options: CassandraOptions): Promise<cassandra.Client> {
  if (!KEYSPACE_PATTERN.test(options.keyspace)) throw new LcError("invalid_argument", `bad Cassandra keyspace name "${options.keyspace}"`);
  const base = { contactPoints: [...options.contactPoints], localDataCenter: options.localDataCenter };
  const bootstrap = new cassandra.Client(base);
  try {
    await bootstrap.connect();
    await bootstrap.execute(
      `CREATE KEYSPACE IF NOT EXISTS ${options.keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': ${options.replicationFactor ?? 1}}`,
    );
  } finally {
    await bootstrap.shutdown();
  }
  const client = new cassandra.Client({
    ...base,
    // The driver's default waits up to 10 minutes between reconnection attempts; a node back
    // after a restart should be used again within seconds.
    policies: { reconnection: new cassandra.policies.reconnection.ExponentialReconnectionPolicy(500, 5_000, false) },
    keyspace: options.keyspace,
    queryOptions: { prepare: true, consistency: cassandra.types.consistencies.localQuorum },
  });
  await client.connect();
  return client;
}
