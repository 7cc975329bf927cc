import { randomBytes } from "node:crypto";
import { TEST_KEYSPACE } from "./cassandra.js";
import { engineAddress, uniqueName } from "./engines.js";
import type { RoleProcess } from "./role-process.js";
import { startRole } from "./role-process.js";
import type { SystemUnderTest } from "./system.js";

/** A distributed deployment: each role its own process, on the engines `npm test` started. */
export interface DistributedSystem extends SystemUnderTest {
  readonly roles: { readonly ingest: RoleProcess; readonly relay: RoleProcess; readonly edge: RoleProcess; readonly archive: RoleProcess };
  /** The deployment's environment, to start more roles on the same topic, keyspace and secret. */
  readonly env: Readonly<Record<string, string>>;
}

const ADDRESS = "(\\d+\\.\\d+\\.\\d+\\.\\d+:\\d+)";
const URL = "(https?:\\/\\/\\d+\\.\\d+\\.\\d+\\.\\d+:\\d+)";

/** What each role prints once it is ready; the groups are its addresses. */
export const READY = {
  relay: new RegExp(`relay ready: gRPC ${ADDRESS}`),
  archive: new RegExp(`archive ready: HTTP ${URL}`),
  ingest: new RegExp(`ingest ready: HTTP ${URL}, gRPC ${ADDRESS}`),
  edge: new RegExp(`edge ready: HTTP ${URL}`),
} as const;

/**
 * The environment of one deployment on the engines `npm test` started: a topic and a Redis
 * key prefix of its own, every port chosen by the system, quiet logs.
 */
export function deploymentEnv(jwtSecret: string, extraEnv: Record<string, string> = {}): Record<string, string> {
  return {
    HOST: "127.0.0.1",
    PORT: "0",
    GRPC_PORT: "0",
    LC_LOG: "quiet",
    LC_JWT_SECRET: jwtSecret,
    LC_KAFKA_BROKERS: engineAddress("LC_KAFKA_BROKERS"),
    LC_KAFKA_TOPIC: uniqueName("comments"),
    LC_KAFKA_PARTITIONS: "3",
    LC_REDIS_URL: engineAddress("LC_REDIS_URL"),
    LC_REDIS_KEY_PREFIX: `${uniqueName("t")}:`,
    LC_CASSANDRA_CONTACT_POINTS: engineAddress("LC_CASSANDRA_CONTACT_POINTS"),
    LC_CASSANDRA_DC: engineAddress("LC_CASSANDRA_DC"),
    LC_CASSANDRA_KEYSPACE: TEST_KEYSPACE,
    LC_SSE_HEARTBEAT_MS: "200",
    LC_VIEWER_COUNT_INTERVAL_MS: "1000",
    LC_ARCHIVE_SETTLE_MS: "200",
    LC_ARCHIVE_LAG_POLL_MS: "100",
    LC_ARCHIVE_FETCH_LINGER_MS: "0",
    ...extraEnv,
  };
}

/**
 * Starts relay, archive, ingest and edge as four processes on real Kafka, Redis and Cassandra,
 * configured only by environment, on a topic and Redis key prefix of their own.
 */
export async function startDistributedSystem(extraEnv: Record<string, string> = {}): Promise<DistributedSystem> {
  const jwtSecret = randomBytes(24).toString("hex");
  const env = deploymentEnv(jwtSecret, extraEnv);
  const started: RoleProcess[] = [];
  const start = async (role: string, roleEnv: Record<string, string>, ready: RegExp) => {
    const process = await startRole(role, roleEnv, ready);
    started.push(process);
    return process;
  };
  try {
    // The relay first: it creates the topic when missing, and the edge needs its address.
    const relay = await start("relay", env, READY.relay);
    const relayAddress = relay.ready[1]!;
    const [archive, ingest, edge] = await Promise.all([
      start("archive", env, READY.archive),
      start("ingest", env, READY.ingest),
      start("edge", { ...env, LC_RELAY_ADDRESS: relayAddress }, READY.edge),
    ]);
    return {
      http: { ingest: ingest.ready[1]!, edge: edge.ready[1]!, archive: archive.ready[1]! },
      grpc: { ingest: ingest.ready[2]!, relay: relayAddress },
      jwtSecret,
      roles: { ingest, relay, edge, archive },
      env,
      stop: async () => {
        await Promise.all(started.map((role) => role.stop()));
      },
    };
  } catch (error) {
    await Promise.all(started.map((role) => role.kill()));
    throw error;
  }
}
