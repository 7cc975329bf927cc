import { randomUUID } from "node:crypto";
import { Router } from "../core/http/router.js";
import type { Logger } from "../core/logger.js";
import { createMetricsRegistry } from "../core/metrics.js";
import { createRedisFanoutPublisher } from "../ports/fanout/redis.js";
import { readEngineConfig, readServerConfig } from "../server/config.js";
import type { RunningRole } from "../server/engines.js";
import { openKafkaLog, openRedis, probes } from "../server/engines.js";
import { createGrpcServer } from "../server/grpc-server.js";
import { listen, shownHost } from "../server/role-host.js";
import { startRelay } from "./role.js";

/** `livecomments relay`: reads the whole Kafka log, serves FanoutRelay, optionally feeds Redis. */
export async function runRelay(env: Readonly<Record<string, string | undefined>>, logger: Logger): Promise<RunningRole> {
  const config = readServerConfig(env);
  const engines = readEngineConfig(env);
  const redis = engines.relayPublishesToRedis ? await openRedis(engines.redisUrl) : undefined;
  const log = await openKafkaLog(engines, `relay-${randomUUID()}`, logger);
  const metrics = createMetricsRegistry("relay");
  const grpc = createGrpcServer();
  const running = await startRelay(grpc, {
    log,
    group: `livecomments-relay-${randomUUID()}`,
    ringMaxCount: config.ringMaxCount,
    ringMaxBytes: config.ringMaxBytes,
    ringsMaxBytes: config.ringsMaxBytes,
    ringIdleMs: config.ringIdleMs,
    warmupMs: config.relayWarmupMs,
    ...(redis ? { publish: createRedisFanoutPublisher(redis, logger) } : {}),
    logger,
    metrics,
  });
  const host = await listen(new Router(), { config, logger, grpc, metrics, readiness: [probes.kafka(log), ...(redis ? [probes.redis(redis)] : [])] });
  const at = shownHost(config.host);
  return {
    description: `relay ready: gRPC ${at}:${host.grpcPort}, HTTP http://${at}:${host.httpPort}${redis ? ", publishing to Redis" : ""}`,
    async close() {
      await host.close();
      await running.stop();
      await log.close();
      redis?.disconnect();
    },
  };
}
