import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { Registry } from "../core/metrics.js";
import type { RoleMounts, StartedRole } from "../core/role.js";
import { NOTHING_TO_STOP } from "../core/role.js";
import type { CommentLog } from "../ports/comment-log/index.js";
import type { IdempotencyStore } from "../ports/idempotency-store/index.js";
import type { RateLimiter } from "../ports/rate-limiter/index.js";
import type { StreamRegistry } from "../ports/stream-registry/index.js";
import type { Authenticator } from "../core/auth/authenticator.js";
import { CommentIngest } from "./comment-ingest.js";
import { addIngestGrpcServices } from "./grpc-routes.js";
import { IngestMetrics } from "./ingest-metrics.js";
import { ingestRoutes } from "./http-routes.js";
import { commentInputLimits, rateLimitRules } from "./settings.js";
import type { IngestSettings } from "./settings.js";
import { StreamAdmin } from "./stream-admin.js";
import { Moderation } from "./moderation.js";
import { addModerationGrpcService, moderationConnectRoutes } from "./moderation-rpc.js";
import { moderationRoutes } from "./moderation-routes.js";
import type { ModerationStore } from "../ports/moderation-store/index.js";
import type { ArchiveStore } from "../ports/archive-store/index.js";

/** The ports and limits the ingest role runs on; the mode decides the adapters. */
export interface IngestRoleOptions {
  readonly log: CommentLog;
  readonly registry: StreamRegistry;
  readonly rateLimiter: RateLimiter;
  readonly idempotency: IdempotencyStore;
  /** Bans, slow-mode slots and deletions. */
  readonly moderationStore: ModerationStore;
  /** Where moderators' comments are found by id: the archive. */
  readonly comments: Pick<ArchiveStore, "find">;
  readonly authenticator: Authenticator;
  readonly settings: IngestSettings;
  /** How long a request's body may take (the host's setting, which the JSON reader enforces too). */
  readonly bodyTimeoutMs: number;
  readonly clock: Clock;
  readonly newId: () => string;
  readonly logger: Logger;
  readonly metrics: Registry;
}

/** Puts the write path and moderation on the HTTP router, Connect and the gRPC server; it holds nothing to stop. */
export async function startIngest({ router, grpc, connectRoutes }: RoleMounts, options: IngestRoleOptions): Promise<StartedRole> {
  const metrics = new IngestMetrics(options.metrics);
  const ingest = new CommentIngest({
    log: options.log,
    streams: options.registry,
    rateLimiter: options.rateLimiter,
    idempotency: options.idempotency,
    moderation: options.moderationStore,
    rateLimits: rateLimitRules(options.settings),
    inputLimits: commentInputLimits(options.settings),
    idempotencyTtlMs: options.settings.idempotencyTtlMs,
    appendTimeoutMs: options.settings.appendTimeoutMs,
    clock: options.clock,
    newId: options.newId,
    observeAppend: (seconds) => metrics.appendSeconds.observe(seconds),
    logger: options.logger,
  });
  const streams = new StreamAdmin(options.registry, options.log, options.clock, options.newId);
  const moderation = new Moderation({
    registry: options.registry,
    log: options.log,
    store: options.moderationStore,
    comments: options.comments,
    clock: options.clock,
  });
  ingestRoutes(router, {
    ingest,
    streams,
    authenticator: options.authenticator,
    maxBodyBytes: options.settings.maxBodyBytes,
    bodyTimeoutMs: options.bodyTimeoutMs,
    metrics,
  });
  moderationRoutes(router, {
    moderation,
    authenticator: options.authenticator,
    maxBodyBytes: options.settings.maxBodyBytes,
    bodyTimeoutMs: options.bodyTimeoutMs,
  });
  addIngestGrpcServices(grpc, { ingest, streams, authenticator: options.authenticator, logger: options.logger, metrics });
  addModerationGrpcService(grpc, moderation, options.authenticator, options.logger);
  connectRoutes.push(moderationConnectRoutes(moderation, options.authenticator));
  return NOTHING_TO_STOP;
}
