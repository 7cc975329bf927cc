// The edge's defaults and the limits of its public API, read by the configuration and the OpenAPI document.

/** Batching, heartbeats and reconnection of the viewer endpoints. */
export const DEFAULT_BATCH_MS = 150;
export const MAX_BATCH_MS = 1000;
/**
 * Half the 60 s idle timeout of nginx's proxy_read_timeout and of common cloud load balancers,
 * so one late heartbeat still keeps a quiet viewer's connection; at rest the heartbeats are
 * most of an edge's work (one write per viewer each time).
 */
export const DEFAULT_HEARTBEAT_MS = 30_000;
export const DEFAULT_RETRY_MS = 2_000;
/** Bytes queued for one viewer before it counts as too slow and is disconnected. */
export const DEFAULT_MAX_VIEWER_BUFFER_BYTES = 1024 * 1024;
/** A viewer's rate cap when it asks for none (comments/s), and the most it may ask for. */
export const DEFAULT_VIEWER_MAX_RATE = 50;
export const MAX_VIEWER_MAX_RATE = 1_000;
/** Long polls wait this long by default, and at most MAX_POLL_TIMEOUT_MS. */
export const DEFAULT_POLL_TIMEOUT_MS = 25_000;
export const MAX_POLL_TIMEOUT_MS = 60_000;
/** Open viewer connections per edge. */
export const DEFAULT_MAX_VIEWERS = 15_000;
/** Many viewers can share one address (NAT, offices), so this is generous. */
export const DEFAULT_MAX_VIEWERS_PER_IP = 500;
/** How often an edge reports its viewers and tells them the totals. */
export const DEFAULT_VIEWER_COUNT_INTERVAL_MS = 5_000;
/** Recent comments a viewer without a cursor gets first when it asks for none, and the most it may ask for. */
export const DEFAULT_HISTORY = 50;
export { MAX_RECENT_COMMENTS as MAX_HISTORY } from "../core/log-event.js";
/** Comment ids an edge remembers per stream, to drop a second copy of a comment. */
export const RECENT_IDS_PER_STREAM = 5_000;
