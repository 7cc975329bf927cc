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
import type { CommentInputLimits } from "./comment-input.js";
import { CommentIngest } from "./comment-ingest.js";
import { addIngestGrpcServices } from "./grpc-routes.js";
import { IngestMetrics } from "./ingest-metrics.js";
import { ingestRoutes } from "./http-routes.js";
import type { RateLimitRules } from "./rate-limits.js";
import { StreamAdmin } from "./stream-admin.js";
import { Moderation } from "./moderation.js";
import { addModerationGrpcService, moderationConnectRoutes } from "./moderation-rpc.js";
import { moderationRoutes } from "./moderation-routes.js";
import type { ModerationStore } from "../ports/moderation-store/index.js";
import type { ArchiveStore } from "../ports/archive-store/index.js";

/** The configured limits of the write path (a ServerConfig carries them all). */
export interface IngestLimits {
  readonly rateLimits: RateLimitRules;
  readonly inputLimits: CommentInputLimits;
  readonly maxBodyBytes: number;
  readonly bodyTimeoutMs: number;
  readonly idempotencyTtlMs: number;
  readonly appendTimeoutMs: number;
}

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
  readonly limits: IngestLimits;
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
    rateLimits: options.limits.rateLimits,
    inputLimits: options.limits.inputLimits,
    idempotencyTtlMs: options.limits.idempotencyTtlMs,
    appendTimeoutMs: options.limits.appendTimeoutMs,
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
    maxBodyBytes: options.limits.maxBodyBytes,
    bodyTimeoutMs: options.limits.bodyTimeoutMs,
    metrics,
  });
  moderationRoutes(router, {
    moderation,
    authenticator: options.authenticator,
    maxBodyBytes: options.limits.maxBodyBytes,
    bodyTimeoutMs: options.limits.bodyTimeoutMs,
  });
  addIngestGrpcServices(grpc, { ingest, streams, authenticator: options.authenticator, logger: options.logger, metrics });
  addModerationGrpcService(grpc, moderation, options.authenticator, options.logger);
  connectRoutes.push(moderationConnectRoutes(moderation, options.authenticator));
  return NOTHING_TO_STOP;
}
