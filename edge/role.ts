import type { Authenticator } from "../core/auth/authenticator.js";
import type { Logger } from "../core/logger.js";
import type { Registry } from "../core/metrics.js";
import type { RoleMounts, StartedRole } from "../core/role.js";
import { EdgeMetrics } from "./edge-metrics.js";
import type { FanoutSource } from "../ports/fanout/index.js";
import type { StreamRegistry } from "../ports/stream-registry/index.js";
import { edgeRoutes } from "./http-routes.js";
import { HEARTBEAT } from "./sse-format.js";
import { StreamFeeds } from "./stream-feeds.js";
import type { ViewerCounts } from "../ports/viewer-count/index.js";
import { ViewerCountReporter } from "./viewer-count-reporter.js";
import type { EdgeSettings } from "./settings.js";
import { Viewers } from "./viewers.js";

/** What the edge role runs on. */
export interface EdgeRoleOptions {
  readonly fanout: FanoutSource;
  readonly registry: StreamRegistry;
  /** Batching, heartbeats, rate caps and how many viewers it holds. */
  readonly settings: EdgeSettings;
  /** Verifies the tokens of viewers who identify themselves. */
  readonly authenticator?: Authenticator;
  /** Where edges add up their viewers. */
  readonly viewerCounts: ViewerCounts;
  readonly logger: Logger;
  readonly metrics: Registry;
}

/** Reconnects after a shutdown are spread over this long. */
const DRAIN_SPREAD_MS = 5_000;

/**
 * Puts the SSE (on bare sockets) and long-polling endpoints on the HTTP port. Its drain ends every viewer connection with a jittered `retry` and resolves
 * once they have all closed, or after a second.
 */
export async function startEdge({ router, rawRoutes }: RoleMounts, options: EdgeRoleOptions): Promise<StartedRole> {
  const { settings } = options;
  const viewers = new Viewers({ maxViewers: settings.maxViewers, maxViewersPerIp: settings.maxViewersPerIp });
  const metrics = new EdgeMetrics(options.metrics, viewers);
  const feeds = new StreamFeeds(options.fanout, { logger: options.logger, onFrame: (frame) => metrics.framed(frame) });
  viewers.startHeartbeats(settings.heartbeatMs, Buffer.from(HEARTBEAT));
  const reporter = new ViewerCountReporter(viewers, options.viewerCounts, settings.viewerCountIntervalMs, options.logger);
  reporter.start();
  edgeRoutes(
    router,
    {
      feeds,
      fanout: options.fanout,
      streams: options.registry,
      viewers,
      defaultBatchMs: settings.defaultBatchMs,
      defaultMaxRate: settings.viewerMaxRate,
      maxViewerBufferBytes: settings.maxViewerBufferBytes,
      onDelivered(frame, viewers) {
        metrics.delivered(frame, viewers);
        if (frame.kind !== "comments" || !options.logger.debugging) return;
        for (const { requestId, commentId, streamId, seq } of frame.comments)
          options.logger.debug("comment sent", { requestId, commentId, streamId, seq, viewers });
      },
      onSlowViewerDropped: () => metrics.slowViewerDropped(),
      viewerTotal: (streamId) => reporter.total(streamId),
      ...(options.authenticator ? { authenticator: options.authenticator } : {}),
    },
    rawRoutes,
  );
  return {
    async drain() {
      reporter.stop();
      viewers.drain(DRAIN_SPREAD_MS);
      const deadline = Date.now() + 1_000;
      while (viewers.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    },
    stop: async () => {},
  };
}
