import { join } from "node:path";
import { startArchive } from "../archive/role.js";
import type { Clock } from "../core/clock.js";
import { systemClock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import { createMetricsRegistry } from "../core/metrics.js";
import { packageVersion } from "./version.js";
import { createUuidV7 } from "../core/uuid-v7.js";
import { startEdge } from "../edge/role.js";
import { loadOrCreateDevSecret } from "../core/auth/dev-token.js";
import { startIngest } from "../ingest/role.js";
import { createSqliteArchiveStore } from "../ports/archive-store/sqlite.js";
import { createSqliteCommentLog } from "../ports/comment-log/sqlite.js";
import { createMemoryIdempotencyStore } from "../ports/idempotency-store/memory.js";
import { createMemoryRateLimiter } from "../ports/rate-limiter/memory.js";
import { createSqliteModerationStore } from "../ports/moderation-store/sqlite.js";
import { createMemoryViewerCounts } from "../ports/viewer-count/memory.js";
import { openDatabase } from "../ports/sqlite/open-database.js";
import { createSqliteStreamRegistry } from "../ports/stream-registry/sqlite.js";
import { startRelay } from "../relay/role.js";
import type { EmbeddedConfig } from "./config.js";
import { authenticatorFor, paginationKey } from "./config.js";
import { demoRoutes } from "./demo-routes.js";
import { createRoleMounts } from "../host/role-host.js";
import { serveRoles } from "./serve-roles.js";

/** Name of the database file in the data folder. */
export const DATABASE_FILE = "livecomments.sqlite";

/** The running one-process system. */
export interface EmbeddedApp {
  /** "https" when the ports serve TLS (LC_TLS_CERT_FILE). */
  readonly scheme: "http" | "https";
  readonly httpPort: number;
  readonly grpcPort: number;
  readonly databaseFile: string;
  /** The HS256 secret in use (the development one when LC_JWT_SECRET is unset). */
  readonly jwtSecret: string;
  readonly usesDevSecret: boolean;
  /** The HTTP routes served, as `METHOD /pattern`. */
  readonly routes: readonly string[];
  close(): Promise<void>;
}

/**
 * Starts all four roles in one process on embedded storage: ingest, relay, edge and archive
 * over one SQLite file, HTTP (REST, SSE, Connect) on one port and gRPC on another. The roles
 * are the same code the distributed mode runs, on the embedded adapters.
 */
export async function startEmbeddedApp(config: EmbeddedConfig, logger: Logger, clock: Clock = systemClock): Promise<EmbeddedApp> {
  const databaseFile = join(config.dataDir, DATABASE_FILE);
  const db = openDatabase(databaseFile);
  const newId = createUuidV7(clock);
  const jwtSecret = config.jwtSecret ?? loadOrCreateDevSecret(config.dataDir);
  const log = createSqliteCommentLog({ db, logger });
  const registry = createSqliteStreamRegistry(db);
  const metrics = createMetricsRegistry("all", packageVersion());
  const mounts = createRoleMounts(metrics);
  const authenticator = authenticatorFor(config, jwtSecret)!;

  const archiveStore = createSqliteArchiveStore(db);
  const ingest = await startIngest(mounts, {
    log,
    registry,
    rateLimiter: createMemoryRateLimiter({ clock }),
    idempotency: createMemoryIdempotencyStore({ clock }),
    moderationStore: createSqliteModerationStore(db, clock),
    comments: archiveStore,
    authenticator,
    settings: config,
    bodyTimeoutMs: config.bodyTimeoutMs,
    clock,
    newId,
    logger,
    metrics,
  });
  const relay = await startRelay(mounts, {
    log,
    group: `relay-${newId()}`,
    settings: config,
    authenticator,
    logger,
    metrics,
  });
  const edge = await startEdge(mounts, {
    fanout: relay.fanout,
    registry,
    settings: config,
    authenticator,
    viewerCounts: createMemoryViewerCounts(clock),
    logger,
    metrics,
  });
  const archive = await startArchive(mounts, {
    log,
    archive: archiveStore,
    registry,
    paginationKey: paginationKey(config, jwtSecret),
    authenticator,
    settings: config,
    logger,
    metrics,
  });
  demoRoutes(mounts.router, { guestTokenSecret: config.jwtSecret === undefined ? jwtSecret : undefined });
  const host = await serveRoles(mounts, [ingest, relay, edge, archive], {
    config,
    logger,
    serveGrpc: true,
    metrics,
    readiness: [{ name: "sqlite", probe: () => log.ping() }],
  });

  let closing: Promise<void> | undefined;
  return {
    scheme: host.scheme,
    httpPort: host.httpPort,
    grpcPort: host.grpcPort!,
    databaseFile,
    jwtSecret,
    usesDevSecret: config.jwtSecret === undefined,
    routes: mounts.router.routes(),
    close() {
      closing ??= (async () => {
        await host.close();
        // Appends already accepted are committed by log.close before the file closes.
        await log.close();
        db.close();
      })();
      return closing;
    },
  };
}
