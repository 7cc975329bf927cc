import { randomUUID } from "node:crypto";
import type { Logger } from "../../core/logger.js";
import { createMetricsRegistry } from "../../core/metrics.js";
import { packageVersion } from "../version.js";
import type { FanoutSource } from "../../ports/fanout/index.js";
import { createRedisFanoutSource } from "../../ports/fanout/redis.js";
import { createRelayGrpcFanout } from "../../ports/fanout/relay-grpc.js";
import { authenticatorFor, readEngineConfig, readServerConfig } from "../config.js";
import type { RunningRole } from "../engines.js";
import { openCassandra, openRedis, openRedisSubscriber, openStreamRegistry, probes } from "../engines.js";
import { createRedisViewerCounts } from "../../ports/viewer-count/redis.js";
import { createRoleMounts, shownHost } from "../../host/role-host.js";
import { serveRoles } from "../serve-roles.js";
import { startEdge } from "../../edge/role.js";
import { relayDialOptions } from "../transport-security.js";

/** `livecomments edge`: SSE for browsers, fed by the relay over gRPC or by Redis Pub/Sub. */
export async function runEdge(env: Readonly<Record<string, string | undefined>>, logger: Logger): Promise<RunningRole> {
  const config = readServerConfig(env);
  const engines = readEngineConfig(env);
  const dial = relayDialOptions(engines, config, `edge-${randomUUID()}`);
  const relay = createRelayGrpcFanout(engines.relayAddress, dial);
  let fanout: FanoutSource = relay;
  let closeRedis = () => {};
  if (engines.edgeUpstream === "redis") {
    const redisSource = createRedisFanoutSource(await openRedisSubscriber(engines), { catchUp: relay, logger });
    fanout = redisSource;
    closeRedis = () => redisSource.close();
  }
  const cassandra = await openCassandra(engines);
  const redis = await openRedis(engines);
  const authenticator = authenticatorFor(config);
  const metrics = createMetricsRegistry("edge", packageVersion());
  const mounts = createRoleMounts(metrics);
  const edge = await startEdge(mounts, {
    fanout,
    registry: await openStreamRegistry(cassandra, metrics),
    settings: config,
    viewerCounts: createRedisViewerCounts(redis, engines.redisKeyPrefix),
    ...(authenticator ? { authenticator } : {}),
    logger,
    metrics,
  });
  const host = await serveRoles(mounts, [edge], {
    config,
    logger,
    serveGrpc: false,
    metrics,
    readiness: [probes.relay(engines.relayAddress, dial.credentials), probes.redis(redis), probes.cassandra(cassandra)],
  });
  return {
    description: `edge ready: HTTP ${host.scheme}://${shownHost(config.host)}:${host.httpPort}, upstream ${engines.edgeUpstream === "redis" ? `Redis Pub/Sub (catch-up from relay ${engines.relayAddress})` : `relay ${engines.relayAddress}`}`,
    async close() {
      await host.close();
      closeRedis();
      relay.close();
      redis.disconnect();
      await cassandra.shutdown();
    },
  };
}
