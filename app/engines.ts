import { Redis } from "ioredis";
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

/** The Kafka log as every distributed role opens it. */
export function openKafkaLog(engines: EngineConfig, clientId: string, logger: Logger): Promise<CommentLog> {
  return createKafkaCommentLog({
    brokers: engines.kafkaBrokers,
    clientId,
    topic: engines.kafkaTopic,
    partitions: engines.kafkaPartitions,
    replicationFactor: engines.kafkaReplicationFactor,
    compression: engines.kafkaCompression,
    logger,
  });
}

/**
 * A Redis connection that fails commands at once while disconnected (no offline queue), so a
 * Redis outage turns into quick 503s instead of requests that hang.
 */
export async function openRedis(url: string): Promise<Redis> {
  // Auto-pipelining sends the commands of one event-loop turn together: many requests' rate
  // limit checks share one round trip.
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true, enableAutoPipelining: true });
  await redis.connect();
  // While Redis is away, commands fail (503s) and ioredis reconnects by itself; without a
  // listener every failed reconnect would also be printed as an unhandled error event.
  redis.on("error", () => {});
  return redis;
}

/** A Redis connection for SUBSCRIBE, which keeps its commands queued across reconnects. */
export async function openRedisSubscriber(url: string): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true });
  await redis.connect();
  redis.on("error", () => {}); // reconnects by itself; subscribers see the gap through seq continuity
  return redis;
}

/** Cassandra on the configured keyspace. */
export function openCassandra(engines: EngineConfig): Promise<cassandra.Client> {
  return connectCassandra({
    contactPoints: engines.cassandraContactPoints,
    localDataCenter: engines.cassandraDataCenter,
    keyspace: engines.cassandraKeyspace,
    replicationFactor: engines.cassandraReplicationFactor,
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
