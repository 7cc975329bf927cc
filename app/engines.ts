import { readFileSync } from "node:fs";
import { Redis } from "ioredis";
import type { RedisOptions } from "ioredis";
import type cassandra from "cassandra-driver";
import type { ChannelCredentials } from "@grpc/grpc-js";
import type { Logger } from "../core/logger.js";
import type { Registry } from "../core/metrics.js";
import type { ReadinessCheck } from "../core/readiness.js";
import { expectServing } from "../core/grpc/health-client.js";
import { FanoutRelay } from "../gen/livecomments/v1/fanout_relay_pb.js";
import { cacheLookups } from "../core/metrics.js";
import { connectCassandra } from "../ports/cassandra/connect-cassandra.js";
import type { CommentLog } from "../ports/comment-log/index.js";
import { createKafkaCommentLog } from "../ports/comment-log/kafka.js";
import type { StreamRegistry } from "../ports/stream-registry/index.js";
import { createCachedStreamRegistry } from "../ports/stream-registry/cached.js";
import { createCassandraStreamRegistry } from "../ports/stream-registry/cassandra.js";
import type { EngineConfig } from "./config.js";
import { withoutCredentials } from "../ports/engine-settings.js";
import { REDIS_COMMAND_TIMEOUT_MS, REDIS_CONNECT_TIMEOUT_MS, watchRedisLiveness } from "../ports/redis-liveness.js";

/** The Kafka log as every distributed role opens it. */
export function openKafkaLog(engines: EngineConfig, clientId: string, logger: Logger): Promise<CommentLog> {
  return createKafkaCommentLog({
    brokers: engines.kafkaBrokers,
    clientId,
    topic: engines.kafkaTopic,
    partitions: engines.kafkaPartitions,
    replicationFactor: engines.kafkaReplicationFactor,
    compression: engines.kafkaCompression,
    fetchLingerMs: engines.kafkaFetchLingerMs,
    ...(engines.kafkaTls ? { tls: engines.kafkaTlsCaFile ? { ca: readFileSync(engines.kafkaTlsCaFile) } : {} } : {}),
    ...(engines.kafkaSasl ? { sasl: engines.kafkaSasl } : {}),
    logger,
  });
}

/**
 * A Redis connection that fails commands at once while disconnected (no offline queue) and
 * after a command timeout while Redis does not answer, so a Redis outage or a cut link turns
 * into quick 503s instead of requests that hang.
 */
export function openRedis(engines: RedisConfig): Promise<Redis> {
  // Auto-pipelining sends the commands of one event-loop turn together: many requests' rate
  // limit checks share one round trip.
  return connectRedis(engines, { enableOfflineQueue: false, maxRetriesPerRequest: 1, enableAutoPipelining: true, commandTimeout: REDIS_COMMAND_TIMEOUT_MS });
}

/** A Redis connection for SUBSCRIBE, which keeps its commands queued across reconnects. */
export function openRedisSubscriber(engines: RedisConfig): Promise<Redis> {
  return connectRedis(engines, {});
}

type RedisConfig = Pick<EngineConfig, "redisUrl" | "redisTlsCaFile">;

/**
 * Connects to LC_REDIS_URL (`rediss://user:password@host:port` for TLS and an ACL user, the CA
 * from LC_REDIS_TLS_CA_FILE); fails at once, naming Redis and what it answered (a wrong
 * password, a refused connection), rather than retrying forever at start.
 */
async function connectRedis(engines: RedisConfig, options: RedisOptions): Promise<Redis> {
  const tls = engines.redisUrl.startsWith("rediss:") ? { tls: engines.redisTlsCaFile ? { ca: readFileSync(engines.redisTlsCaFile) } : {} } : {};
  const redis = new Redis(engines.redisUrl, { connectTimeout: REDIS_CONNECT_TIMEOUT_MS, ...options, ...tls, lazyConnect: true });
  let refusal: Error | undefined;
  // While Redis is away, commands fail (503s) and ioredis reconnects by itself; without a
  // listener every failed reconnect would also be printed as an unhandled error event.
  redis.on("error", (error: Error) => (refusal ??= error));
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new Error(`Redis at ${withoutCredentials(engines.redisUrl)}: ${(refusal ?? (error as Error)).message}`, { cause: error });
  }
  watchRedisLiveness(redis);
  return redis;
}

/** Cassandra on the configured keyspace. */
export function openCassandra(engines: EngineConfig): Promise<cassandra.Client> {
  return connectCassandra({
    contactPoints: engines.cassandraContactPoints,
    localDataCenter: engines.cassandraDataCenter,
    keyspace: engines.cassandraKeyspace,
    replication: engines.cassandraReplication,
    ...(engines.cassandraUsername !== undefined && engines.cassandraPassword !== undefined
      ? { credentials: { username: engines.cassandraUsername, password: engines.cassandraPassword } }
      : {}),
    ...(engines.cassandraTls ? { tls: engines.cassandraTlsCaFile ? { ca: readFileSync(engines.cassandraTlsCaFile) } : {} } : {}),
  });
}

/** The stream registry every distributed role reads: Cassandra behind a short cache. */
export async function openStreamRegistry(client: cassandra.Client, metrics: Registry): Promise<StreamRegistry> {
  return createCachedStreamRegistry(await createCassandraStreamRegistry(client), { onLookup: cacheLookups(metrics, "stream_registry") });
}

/** A process of the distributed mode, once it listens. */
export interface RunningRole {
  /** One line saying where it listens, printed at start. */
  readonly description: string;
  close(): Promise<void>;
}

/** Readiness probes of the engines and peers a role needs, for /readyz. */
export const probes = {
  kafka: (log: CommentLog): ReadinessCheck => ({ name: "kafka", probe: () => log.ping() }),
  redis: (redis: Redis): ReadinessCheck => ({ name: "redis", probe: () => redis.ping() }),
  cassandra: (client: cassandra.Client): ReadinessCheck => ({ name: "cassandra", probe: () => client.execute("SELECT release_version FROM system.local") }),
  relay: (address: string, channel?: ChannelCredentials): ReadinessCheck => ({
    name: "relay",
    probe: () => expectServing(address, FanoutRelay.typeName, channel),
  }),
};
