// The relay's defaults, read by the configuration.

/** Size and lifetime of the relay's per-stream rings. */
export const DEFAULT_RING_MAX_COUNT = 2_000;
export const DEFAULT_RING_MAX_BYTES = 1024 * 1024;
export const DEFAULT_RINGS_MAX_BYTES = 256 * 1024 * 1024;
export const DEFAULT_RING_IDLE_MS = 15 * 60 * 1000;
export const DEFAULT_MAX_RINGS = 100_000;
export const DEFAULT_MAX_REPLAY = 10_000;
/**
 * How far back a relay reads the log when it starts, by default: its rings then hold the last
 * minute, so edges that re-subscribe after a relay restart resume without a gap.
 */
export const DEFAULT_RELAY_WARMUP_MS = 60_000;

/** FanoutRelay.SubscribeAll: subscriptions at once (each reads the whole log). */
export const DEFAULT_FIREHOSE_MAX_SUBSCRIBERS = 16;
/** Records read ahead for one firehose subscriber before its log reader waits. */
export const DEFAULT_FIREHOSE_QUEUE = 10_000;
/** How long a firehose subscriber may leave a full queue unread before it is cut off. */
export const DEFAULT_FIREHOSE_STALL_MS = 30_000;
