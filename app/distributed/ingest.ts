import { randomUUID } from "node:crypto";
import { systemClock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import { createMetricsRegistry } from "../../core/metrics.js";
import { packageVersion } from "../version.js";
import { createUuidV7 } from "../../core/uuid-v7.js";
import { createRedisIdempotencyStore } from "../../ports/idempotency-store/redis.js";
import { createRedisRateLimiter } from "../../ports/rate-limiter/redis.js";
import { createRedisModerationStore } from "../../ports/moderation-store/redis.js";
import { createCassandraArchiveStore } from "../../ports/archive-store/cassandra.js";
import { authenticatorFor, readEngineConfig, readServerConfig } from "../config.js";
import type { RunningRole } from "../engines.js";
import { openCassandra, openKafkaLog, openRedis, openStreamRegistry, probes } from "../engines.js";
import { createRoleMounts, shownHost } from "../../host/role-host.js";
import { serveRoles } from "../serve-roles.js";
import { startIngest } from "../../ingest/role.js";

/** `livecomments ingest`: the write path on Kafka, Redis and Cassandra. */
export async function runIngest(env: Readonly<Record<string, string | undefined>>, logger: Logger): Promise<RunningRole> {
  const config = readServerConfig(env);
  const engines = readEngineConfig(env);
  const authenticator = authenticatorFor(config);
  if (!authenticator) throw new Error("LC_JWT_SECRET or LC_JWKS_URL must be set for the ingest role");
  const redis = await openRedis(engines);
  const cassandra = await openCassandra(engines);
  const log = await openKafkaLog(engines, `ingest-${randomUUID()}`, logger);
  const metrics = createMetricsRegistry("ingest", packageVersion());
  const mounts = createRoleMounts(metrics);
  const ingest = await startIngest(mounts, {
    log,
    registry: await openStreamRegistry(cassandra, metrics),
    rateLimiter: createRedisRateLimiter(redis, engines.redisKeyPrefix),
    idempotency: createRedisIdempotencyStore(redis, engines.redisKeyPrefix),
    moderationStore: createRedisModerationStore(redis, engines.redisKeyPrefix),
    comments: await createCassandraArchiveStore(cassandra, { bucketMs: engines.archiveBucketMs, createSchema: false }),
    authenticator,
    settings: config,
    bodyTimeoutMs: config.bodyTimeoutMs,
    clock: systemClock,
    newId: createUuidV7(),
    logger,
    metrics,
  });
  const host = await serveRoles(mounts, [ingest], {
    config,
    logger,
    serveGrpc: true,
    metrics,
    readiness: [probes.kafka(log), probes.redis(redis), probes.cassandra(cassandra)],
  });
  const at = shownHost(config.host);
  return {
    description: `ingest ready: HTTP ${host.scheme}://${at}:${host.httpPort}, gRPC ${at}:${host.grpcPort}`,
    async close() {
      await host.close();
      await log.close();
      redis.disconnect();
      await cassandra.shutdown();
    },
  };
}
