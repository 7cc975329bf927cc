import { randomUUID } from "node:crypto";
import type { Logger } from "../../core/logger.js";
import { createMetricsRegistry } from "../../core/metrics.js";
import { packageVersion } from "../version.js";
import { createRedisFanoutPublisher } from "../../ports/fanout/redis.js";
import { authenticatorFor, readEngineConfig, readServerConfig } from "../config.js";
import type { RunningRole } from "../engines.js";
import { openKafkaLog, openRedis, probes } from "../engines.js";
import { createRoleMounts, shownHost } from "../../host/role-host.js";
import { serveRoles } from "../serve-roles.js";
import { startRelay } from "../../relay/role.js";

/** `livecomments relay`: reads the whole Kafka log, serves FanoutRelay, optionally feeds Redis. */
export async function runRelay(env: Readonly<Record<string, string | undefined>>, logger: Logger): Promise<RunningRole> {
  const config = readServerConfig(env);
  const engines = readEngineConfig(env);
  const authenticator = authenticatorFor(config);
  if (!authenticator)
    throw new Error("LC_JWT_SECRET or LC_JWKS_URL must be set for the relay role: FanoutRelay.Subscribe admits tokens with scope relay:subscribe");
  const redis = engines.relayPublishesToRedis ? await openRedis(engines) : undefined;
  const log = await openKafkaLog(engines, `relay-${randomUUID()}`, logger);
  const metrics = createMetricsRegistry("relay", packageVersion());
  const mounts = createRoleMounts(metrics);
  const relay = await startRelay(mounts, {
    log,
    group: `livecomments-relay-${randomUUID()}`,
    settings: config,
    ...(redis ? { publish: createRedisFanoutPublisher(redis, logger) } : {}),
    authenticator,
    logger,
    metrics,
  });
  const host = await serveRoles(mounts, [relay], {
    config,
    logger,
    serveGrpc: true,
    metrics,
    readiness: [probes.kafka(log), ...(redis ? [probes.redis(redis)] : [])],
  });
  const at = shownHost(config.host);
  return {
    description: `relay ready: gRPC ${at}:${host.grpcPort}, HTTP ${host.scheme}://${at}:${host.httpPort}${redis ? ", publishing to Redis" : ""}`,
    async close() {
      await host.close();
      await log.close();
      redis?.disconnect();
    },
  };
}
