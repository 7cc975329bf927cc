import { createHmac } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { archiveConnectRoutes } from "../archive/connect-routes.js";
import { archiveRoutes } from "../archive/http-routes.js";
import { startArchiveWriter } from "../archive/archive-writer.js";
import { PaginationTokens } from "../archive/pagination-token.js";
import { Playback } from "../archive/playback.js";
import type { Clock } from "../core/clock.js";
import { systemClock } from "../core/clock.js";
import { LcError } from "../core/errors.js";
import { sendError, sendJson } from "../core/http/respond.js";
import { Router } from "../core/http/router.js";
import type { Logger } from "../core/logger.js";
import { createUuidV7 } from "../core/uuid-v7.js";
import { edgeRoutes } from "../edge/http-routes.js";
import { StreamFeeds } from "../edge/stream-feeds.js";
import { createHs256Authenticator } from "../ingest/authenticator.js";
import { CommentIngest } from "../ingest/comment-ingest.js";
import { loadOrCreateDevSecret } from "../ingest/dev-token.js";
import { addIngestGrpcServices } from "../ingest/grpc-routes.js";
import { ingestRoutes } from "../ingest/http-routes.js";
import { StreamAdmin } from "../ingest/stream-admin.js";
import { createSqliteArchiveStore } from "../ports/archive-store/sqlite.js";
import { createSqliteCommentLog } from "../ports/comment-log/sqlite.js";
import { createInProcessFanout } from "../ports/fanout/in-process.js";
import { createMemoryIdempotencyStore } from "../ports/idempotency-store/memory.js";
import { createMemoryRateLimiter } from "../ports/rate-limiter/memory.js";
import { openDatabase } from "../ports/sqlite/open-database.js";
import { createSqliteStreamRegistry } from "../ports/stream-registry/sqlite.js";
import { FanoutRelay } from "../relay/fanout-relay.js";
import { addRelayGrpcService } from "../relay/grpc-routes.js";
import type { EmbeddedConfig } from "./config.js";
import { closeGrpc, createGrpcServer, listenGrpc } from "./grpc-server.js";
import { startHttpServer } from "./http-server.js";

/** Name of the database file in the data folder. */
export const DATABASE_FILE = "livecomments.sqlite";

/** The running one-process system. */
export interface EmbeddedApp {
  readonly httpPort: number;
  readonly grpcPort: number;
  readonly databaseFile: string;
  /** The HS256 secret in use (the development one when LC_JWT_SECRET is unset). */
  readonly jwtSecret: string;
  readonly usesDevSecret: boolean;
  close(): Promise<void>;
}

/**
 * Starts all four roles in one process on embedded storage: ingest, relay, edge and archive
 * over one SQLite file, HTTP (REST, SSE, Connect) on one port and gRPC on another.
 */
export async function startEmbeddedApp(config: EmbeddedConfig, logger: Logger, clock: Clock = systemClock): Promise<EmbeddedApp> {
  const databaseFile = join(config.dataDir, DATABASE_FILE);
  const db = openDatabase(databaseFile);
  const newId = createUuidV7(clock);
  const jwtSecret = config.jwtSecret ?? loadOrCreateDevSecret(config.dataDir);

  const log = createSqliteCommentLog({ db, logger });
  const archive = createSqliteArchiveStore(db);
  const registry = createSqliteStreamRegistry(db);
  const authenticator = createHs256Authenticator({
    secret: jwtSecret,
    ...(config.jwtIssuer ? { issuer: config.jwtIssuer } : {}),
    ...(config.jwtAudience ? { audience: config.jwtAudience } : {}),
  });
  const ingest = new CommentIngest({
    log,
    streams: registry,
    rateLimiter: createMemoryRateLimiter({ clock }),
    idempotency: createMemoryIdempotencyStore({ clock }),
    rateLimits: config.rateLimits,
    inputLimits: config.inputLimits,
    clock,
    newId,
  });
  const streams = new StreamAdmin(registry, clock, newId);

  const relay = new FanoutRelay({ history: log, ringMaxCount: config.ringMaxCount, ringMaxBytes: config.ringMaxBytes, logger });
  const relayConsumption = await log.consume({ group: `relay-${newId()}`, from: "latest", commit: false }, (batch) => relay.publish(batch));
  const archiveConsumption = await startArchiveWriter(log, archive);
  const fanout = createInProcessFanout(relay);
  const feeds = new StreamFeeds(fanout, { logger });
  const playback = new Playback(archive, registry, new PaginationTokens(createHmac("sha256", jwtSecret).update("pagination-tokens").digest()));

  const router = new Router();
  ingestRoutes(router, { ingest, streams, authenticator, maxBodyBytes: config.maxBodyBytes });
  edgeRoutes(router, { feeds, fanout, streams: registry, heartbeatMs: config.heartbeatMs, defaultBatchMs: config.defaultBatchMs });
  archiveRoutes(router, playback);
  router.add("GET", "/healthz", (_req, res) => sendJson(res, 200, { status: "ok" }));

  const connect = connectNodeAdapter({
    routes: archiveConnectRoutes(playback),
    fallback: (req, res) => sendError(req as IncomingMessage, res as ServerResponse, new LcError("not_found", "no such route"), logger),
  });
  const http = await startHttpServer({
    host: config.host,
    port: config.httpPort,
    router,
    fallback: connect,
    maxConnections: config.maxConnections,
    logger,
  });
  const grpc = createGrpcServer();
  addIngestGrpcServices(grpc, { ingest, streams, authenticator, logger });
  addRelayGrpcService(grpc, relay, logger);
  const grpcPort = await listenGrpc(grpc, config.host, config.grpcPort);

  let closing: Promise<void> | undefined;
  return {
    httpPort: http.port,
    grpcPort,
    databaseFile,
    jwtSecret,
    usesDevSecret: config.jwtSecret === undefined,
    close() {
      closing ??= (async () => {
        await Promise.all([http.close(), closeGrpc(grpc, 2_000)]);
        // Appends already accepted are committed by log.close before the file closes.
        await log.close();
        await Promise.all([relayConsumption.stop(), archiveConsumption.stop()]);
        db.close();
      })();
      return closing;
    },
  };
}
