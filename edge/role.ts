import type { Router } from "../core/http/router.js";
import type { Logger } from "../core/logger.js";
import type { FanoutSource } from "../ports/fanout/index.js";
import type { StreamRegistry } from "../ports/stream-registry/index.js";
import { edgeRoutes } from "./http-routes.js";
import { StreamFeeds } from "./stream-feeds.js";

/** What the edge role runs on. */
export interface EdgeRoleOptions {
  readonly fanout: FanoutSource;
  readonly registry: StreamRegistry;
  readonly heartbeatMs: number;
  readonly defaultBatchMs: number;
  readonly logger: Logger;
}

/** Puts the SSE endpoint on an HTTP router; returns the shared feeds. */
export function mountEdge(router: Router, options: EdgeRoleOptions): StreamFeeds {
  const feeds = new StreamFeeds(options.fanout, { logger: options.logger });
  edgeRoutes(router, {
    feeds,
    fanout: options.fanout,
    streams: options.registry,
    heartbeatMs: options.heartbeatMs,
    defaultBatchMs: options.defaultBatchMs,
  });
  return feeds;
}
