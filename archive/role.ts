import type { Authenticator } from "../core/auth/authenticator.js";
import type { Logger } from "../core/logger.js";
import type { Registry } from "../core/metrics.js";
import type { RoleMounts, StartedRole } from "../core/role.js";
import { ArchiveMetrics } from "./archive-metrics.js";
import type { ArchiveStore } from "../ports/archive-store/index.js";
import type { CommentLog } from "../ports/comment-log/index.js";
import type { StreamRegistry } from "../ports/stream-registry/index.js";
import { startArchiveWriter } from "./archive-writer.js";
import { archiveConnectRoutes } from "./connect-routes.js";
import { archiveRoutes } from "./http-routes.js";
import { PaginationTokens } from "./pagination-token.js";
import type { ArchiveSettings } from "./settings.js";
import { Playback } from "./playback.js";

/** What the archive role runs on. */
export interface ArchiveRoleOptions {
  readonly log: CommentLog;
  readonly archive: ArchiveStore;
  readonly registry: StreamRegistry;
  /** Verifies a token sent to `GET /v1/streams/{id}`, which then tells the caller's rank. */
  readonly authenticator?: Authenticator;
  /** Signs pagination tokens: LC_PAGINATION_SECRET, else derived from the JWT secret. */
  readonly paginationKey: Buffer;
  /** When pages become final, and how often the writer measures its lag. */
  readonly settings: ArchiveSettings;
  readonly logger: Logger;
  readonly metrics: Registry;
}

/** Starts copying the log into the archive and puts playback on the HTTP router and Connect. */
export async function startArchive({ router, connectRoutes }: RoleMounts, options: ArchiveRoleOptions): Promise<StartedRole> {
  const writer = await startArchiveWriter(options.log, options.archive, { logger: options.logger, lagPollMs: options.settings.archiveLagPollMs });
  const metrics = new ArchiveMetrics(options.metrics, () => writer.status());
  const playback = new Playback(
    options.archive,
    options.registry,
    new PaginationTokens(options.paginationKey),
    () => writer.status().completeThrough,
    options.settings.archiveSettleMs,
    metrics.playback,
  );
  archiveRoutes(
    router,
    playback,
    () => writer.status(),
    () => metrics.pageNotModified(),
    options.authenticator,
  );
  connectRoutes.push(archiveConnectRoutes(playback));
  return { drain: async () => {}, stop: () => writer.stop() };
}
