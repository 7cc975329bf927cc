import type { Logger } from "../../core/logger.js";
import { createMetricsRegistry } from "../../core/metrics.js";
import { packageVersion } from "../version.js";
import { createCassandraArchiveStore } from "../../ports/archive-store/cassandra.js";
import { authenticatorFor, paginationKey, readEngineConfig, readServerConfig } from "../config.js";
import type { RunningRole } from "../engines.js";
import { openCassandra, openKafkaLog, openStreamRegistry, probes } from "../engines.js";
import { createRoleMounts, shownHost } from "../../host/role-host.js";
import { serveRoles } from "../serve-roles.js";
import { startArchive } from "../../archive/role.js";

/** `livecomments archive`: copies the Kafka log into Cassandra and serves replays. */
export async function runArchive(env: Readonly<Record<string, string | undefined>>, logger: Logger): Promise<RunningRole> {
  const config = readServerConfig(env);
  const engines = readEngineConfig(env);
  const key = paginationKey(config, config.jwtSecret);
  const authenticator = authenticatorFor(config);
  const cassandra = await openCassandra(engines);
  const log = await openKafkaLog({ ...engines, kafkaFetchLingerMs: config.archiveFetchLingerMs }, "archive", logger);
  const metrics = createMetricsRegistry("archive", packageVersion());
  const mounts = createRoleMounts(metrics);
  const archive = await startArchive(mounts, {
    log,
    archive: await createCassandraArchiveStore(cassandra, { bucketMs: engines.archiveBucketMs }),
    registry: await openStreamRegistry(cassandra, metrics),
    paginationKey: key,
    ...(authenticator ? { authenticator } : {}),
    settings: config,
    logger,
    metrics,
  });
  const host = await serveRoles(mounts, [archive], {
    config,
    logger,
    serveGrpc: false,
    metrics,
    readiness: [probes.kafka(log), probes.cassandra(cassandra)],
  });
  return {
    description: `archive ready: HTTP ${host.scheme}://${shownHost(config.host)}:${host.httpPort} (REST and PlaybackService)`,
    async close() {
      await host.close();
      await log.close();
      await cassandra.shutdown();
    },
  };
}
