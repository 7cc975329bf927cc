import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { Registry } from "../core/metrics.js";
import type { RoleMounts, StartedRole } from "../core/role.js";
import type { CommentReviewer } from "../ports/comment-review/index.js";
import { createConnectReviewer } from "../ports/comment-review/connect.js";
import { ReviewGate } from "./comment-review.js";
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
  /** The review service, when LC_REVIEW_URL is set; made from the settings when not given. */
  readonly reviewer?: CommentReviewer;
  readonly settings: IngestSettings;
  /** How long a request's body may take (the host's setting, which the JSON reader enforces too). */
  readonly bodyTimeoutMs: number;
  readonly clock: Clock;
  readonly newId: () => string;
  readonly logger: Logger;
  readonly metrics: Registry;
}

/** How often held comments are checked for expiry, at most. */
const MAX_EXPIRY_INTERVAL_MS = 10_000;

/**
 * Puts the write path and moderation on the HTTP router, Connect and the gRPC server; its stop
 * ends the expiry of held comments and closes the review client.
 */
export async function startIngest({ router, grpc, connectRoutes }: RoleMounts, options: IngestRoleOptions): Promise<StartedRole> {
  const metrics = new IngestMetrics(options.metrics);
  const { settings, logger } = options;
  const reviewer = settings.reviewUrl === undefined ? undefined : (options.reviewer ?? createConnectReviewer(settings.reviewUrl, settings.reviewProtocol));
  const review =
    reviewer &&
    new ReviewGate(reviewer, {
      timeoutMs: settings.reviewTimeoutMs,
      maxInFlight: settings.reviewMaxInFlight,
      onFailure: settings.reviewOnFailure,
      logger,
      observe: (outcome) => metrics.reviewed(outcome),
    });
  const ingest = new CommentIngest({
    log: options.log,
    streams: options.registry,
    rateLimiter: options.rateLimiter,
    idempotency: options.idempotency,
    moderation: options.moderationStore,
    ...(review ? { review } : {}),
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
    heldTtlMs: settings.heldTtlS * 1000,
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
  const expiry = setInterval(
    () => {
      moderation.expireHeld().catch((error: unknown) => logger.warn("held comments could not be expired; trying again", { err: error }));
    },
    Math.min(MAX_EXPIRY_INTERVAL_MS, (settings.heldTtlS * 1000) / 10),
  );
  expiry.unref();
  return {
    drain: async () => {},
    async stop() {
      clearInterval(expiry);
      await reviewer?.close();
    },
  };
}
