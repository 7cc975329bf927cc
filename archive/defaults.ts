// The archive's defaults and the limits of its public API, read by the configuration and the OpenAPI document.

/** Page size when the client gives none. */
export const DEFAULT_PAGE_LIMIT = 500;
/** Largest page a client may ask for. */
export const MAX_PAGE_LIMIT = 1_000;
/** Longest window one request may cover (an hour), in milliseconds. */
export const MAX_WINDOW_MS = 60 * 60 * 1000;
/** Latest window start accepted: a week into a stream, in milliseconds. */
export const MAX_START_MS = 7 * 24 * 60 * 60 * 1000;
/**
 * How long after a stream's end its windows are still treated as changing: a comment accepted
 * just as the stream ended may still be on its way into the archive.
 */
export const SETTLE_MS = 10_000;
/** How often the writer asks the log how far behind it is. */
export const LAG_POLL_MS = 2_000;
/**
 * How long the writer waits between reads of the Kafka log. Replays do not need a comment
 * within a second, and Cassandra pays per request: at 200 comments/s over 100 streams, a read
 * every second writes two of a stream's comments per request instead of one, and the archive
 * and Cassandra each spent about half and a fifth less CPU per comment.
 */
export const FETCH_LINGER_MS = 1_000;
/** Largest max_rate of a replay window (comments per second of video). */
export const MAX_REPLAY_RATE = 1_000;
/**
 * Cache lifetime of a final page fetched without naming the stream's revision (`rev`): how long
 * a deletion after the end may stay in such a cached copy. Pages that name the current revision
 * are immutable; the SDK always names it.
 */
export const UNREVISED_FINAL_MAX_AGE_S = 60;
/** The bucket widths a timeline may be asked for, in seconds. */
export const TIMELINE_BUCKET_SECONDS: readonly number[] = [1, 5, 10, 30, 60, 300];
/** About how many buckets a timeline holds when the request names no width. */
export const TIMELINE_TARGET_BUCKETS = 500;
/** Most buckets one timeline answer holds (a day at one second each). */
export const MAX_TIMELINE_BUCKETS = 86_400;
/** Most peaks a timeline lists. */
export const MAX_PEAKS = 10;
