import { Router } from "../core/http/router.js";
import type { Logger } from "../core/logger.js";
import { createMetricsRegistry } from "../core/metrics.js";
import { createCassandraArchiveStore } from "../ports/archive-store/cassandra.js";
import { paginationKey, readEngineConfig, readServerConfig } from "../server/config.js";
import type { RunningRole } from "../server/engines.js";
import { openCassandra, openKafkaLog, openStreamRegistry, probes } from "../server/engines.js";
import { listen, shownHost } from "../server/role-host.js";
import { startArchive } from "./role.js";

/** `livecomments archive`: copies the Kafka log into Cassandra and serves replays. */
export async function runArchive(env: Readonly<Record<string, string | undefined>>, logger: Logger): Promise<RunningRole> {
  const config = readServerConfig(env);
  const engines = readEngineConfig(env);
  const key = paginationKey(env, config.jwtSecret);
  const cassandra = await openCassandra(engines);
  const log = await openKafkaLog(engines, "archive", logger);
  const metrics = createMetricsRegistry("archive");
  const router = new Router();
  const archive = await startArchive(router, {
    log,
    archive: await createCassandraArchiveStore(cassandra, { bucketMs: engines.archiveBucketMs }),
    registry: await openStreamRegistry(cassandra, metrics),
    paginationKey: key,
    settleMs: config.archiveSettleMs,
    lagPollMs: config.archiveLagPollMs,
    logger,
    metrics,
  });
  const host = await listen(router, { config, logger, connectRoutes: [archive.connectRoutes], metrics, readiness: [probes.kafka(log), probes.cassandra(cassandra)] });
  return {
    description: `archive ready: HTTP http://${shownHost(config.host)}:${host.httpPort} (REST and PlaybackService)`,
    async close() {
      await host.close();
      await archive.stop();
      await log.close();
      await cassandra.shutdown();
    },
  };
}
