import cassandra from "cassandra-driver";
import { LcError } from "../../core/errors.js";

/** How a keyspace this creates is replicated. */
export type KeyspaceReplication =
  | { readonly class: "SimpleStrategy"; readonly replicationFactor: number }
  /** Replicas per data centre, as production clusters are run. */
  | { readonly class: "NetworkTopologyStrategy"; readonly dataCenters: Readonly<Record<string, number>> };

/** Where and how to reach Cassandra. */
export interface CassandraOptions {
  /** host:port pairs. */
  readonly contactPoints: readonly string[];
  readonly localDataCenter: string;
  readonly keyspace: string;
  /** Replication of a keyspace this creates; SimpleStrategy with one replica when unset. */
  readonly replication?: KeyspaceReplication;
  /** A login of PasswordAuthenticator. */
  readonly credentials?: { readonly username: string; readonly password: string };
  /** TLS to the nodes, verified against `ca` (PEM), or the system's CAs when it is unset. */
  readonly tls?: { readonly ca?: Buffer };
}

/** Longest a request to a node waits for its answer, and a new connection to a node may take. */
export const CASSANDRA_READ_TIMEOUT_MS = 4_000;
export const CASSANDRA_CONNECT_TIMEOUT_MS = 2_000;

/** Data-centre names Cassandra accepts; checked because they are put into CQL text. */
const DATA_CENTER_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

function replicationCql(replication: KeyspaceReplication | undefined): string {
  if (replication === undefined) return "{'class': 'SimpleStrategy', 'replication_factor': 1}";
  if (replication.class === "SimpleStrategy") return `{'class': 'SimpleStrategy', 'replication_factor': ${Math.trunc(replication.replicationFactor)}}`;
  const entries = Object.entries(replication.dataCenters);
  for (const [dc, factor] of entries) {
    if (!DATA_CENTER_PATTERN.test(dc) || !Number.isSafeInteger(factor) || factor < 1) throw new LcError("invalid_argument", `bad replication ${dc}:${factor}`);
  }
  return `{'class': 'NetworkTopologyStrategy', ${entries.map(([dc, factor]) => `'${dc}': ${factor}`).join(", ")}}`;
}

/** Keyspace names Cassandra accepts; checked because the name is put into CQL text. */
const KEYSPACE_PATTERN = /^[a-zA-Z][a-zA-Z0-9_]{0,47}$/;

/**
 * Connects, creates the keyspace when missing, and returns a client bound to it. Schema
 * statements are idempotent (IF NOT EXISTS), so every process may run them at start.
 */
export async function connectCassandra(options: CassandraOptions): Promise<cassandra.Client> {
  if (!KEYSPACE_PATTERN.test(options.keyspace)) throw new LcError("invalid_argument", `bad Cassandra keyspace name "${options.keyspace}"`);
  const base = {
    contactPoints: [...options.contactPoints],
    localDataCenter: options.localDataCenter,
    ...(options.credentials ? { authProvider: new cassandra.auth.PlainTextAuthProvider(options.credentials.username, options.credentials.password) } : {}),
    ...(options.tls ? { sslOptions: { ...(options.tls.ca ? { ca: [options.tls.ca] } : {}) } } : {}),
  };
  const bootstrap = new cassandra.Client(base);
  try {
    await connectOrExplain(bootstrap, options.contactPoints);
    await bootstrap.execute(`CREATE KEYSPACE IF NOT EXISTS ${options.keyspace} WITH replication = ${replicationCql(options.replication)}`);
  } finally {
    await bootstrap.shutdown();
  }
  const client = new cassandra.Client({
    ...base,
    // The driver's default waits up to 10 minutes between reconnection attempts; a node back
    // after a restart should be used again within seconds.
    policies: { reconnection: new cassandra.policies.reconnection.ExponentialReconnectionPolicy(500, 2_000, false) },
    // A cut link sends no RST or FIN: the driver's defaults (a 12 s read timeout, and a
    // connection taken for dead only after 64 timeouts) would keep a role on a dead socket long
    // after the network is back. A request unanswered within CASSANDRA_READ_TIMEOUT_MS fails,
    // the second such failure closes the connection, and an idle connection is asked every
    // second whether it is alive (docs/operating.md, "Partitions").
    socketOptions: { connectTimeout: CASSANDRA_CONNECT_TIMEOUT_MS, readTimeout: CASSANDRA_READ_TIMEOUT_MS, defunctReadTimeoutThreshold: 2 },
    pooling: { heartBeatInterval: 1_000 },
    keyspace: options.keyspace,
    queryOptions: { prepare: true, consistency: cassandra.types.consistencies.localQuorum },
  });
  await connectOrExplain(client, options.contactPoints);
  return client;
}

/**
 * Connects, or fails naming Cassandra and what each node answered (a refused login, a TLS
 * failure, nothing at all): the driver's own message only says no host was available.
 */
async function connectOrExplain(client: cassandra.Client, contactPoints: readonly string[]): Promise<void> {
  try {
    await client.connect();
  } catch (error) {
    const inner = (error as { innerErrors?: Record<string, Error> }).innerErrors;
    const reasons = inner ? Object.entries(inner).map(([host, cause]) => `${host}: ${cause.message}`) : [];
    throw new LcError("unavailable", `Cassandra at ${contactPoints.join(", ")}: ${reasons.length > 0 ? reasons.join("; ") : (error as Error).message}`, {
      cause: error,
    });
  }
}
