import { randomBytes } from "node:crypto";
import { Kafka, logLevel } from "kafkajs";
import { ARCHIVE_CONSUMER_GROUP } from "../archive/archive-writer.js";
import { sleep } from "./until.js";
import { TEST_KEYSPACE } from "./cassandra.js";
import { engineAddress, uniqueName } from "./engines.js";
import type { RoleProcess } from "./role-process.js";
import { startRole } from "./role-process.js";
import type { SystemUnderTest } from "./system.js";

/** A distributed deployment: each role its own process, on the engines `npm test` started. */
export interface DistributedSystem extends SystemUnderTest {
  /** The role processes; `archive` is a new one after {@link SystemUnderTest.redeliverToArchive}. */
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
 * Moves a consumer group back to the start of the deployment's topic. Kafka refuses while the
 * group has members: one that just left, or one killed elsewhere, is gone within its session
 * timeout (10 s), so refusals are retried for a while.
 */
async function rewindGroup(env: Readonly<Record<string, string>>, groupId: string): Promise<void> {
  const admin = new Kafka({ clientId: "test-rewind", brokers: env.LC_KAFKA_BROKERS!.split(","), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    for (const deadline = Date.now() + 30_000; ; await sleep(500)) {
      try {
        await admin.resetOffsets({ groupId, topic: env.LC_KAFKA_TOPIC!, earliest: true });
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
    }
  } finally {
    await admin.disconnect();
  }
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
    const roles = { ingest, relay, edge, archive };
    return {
      http: { ingest: ingest.ready[1]!, edge: edge.ready[1]!, archive: archive.ready[1]! },
      grpc: { ingest: ingest.ready[2]!, relay: relayAddress },
      jwtSecret,
      roles,
      env,
      async redeliverToArchive() {
        await roles.archive.stop();
        started.splice(started.indexOf(roles.archive), 1);
        await rewindGroup(env, ARCHIVE_CONSUMER_GROUP);
        roles.archive = await start("archive", { ...env, PORT: archive.ready[1]!.split(":").at(-1)! }, READY.archive);
      },
      stop: async () => {
        await Promise.all(started.map((role) => role.stop()));
      },
    };
  } catch (error) {
    await Promise.all(started.map((role) => role.kill()));
    throw error;
  }
}
