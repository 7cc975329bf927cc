import type { Comment } from "../core/comment.js";
import { makeRoom } from "../core/bounded-map.js";
import type { Stream } from "../core/stream.js";
import { LcError } from "../core/errors.js";
import type { ArchiveStore, WindowCursor } from "../ports/archive-store/index.js";
import { readThinnedPage } from "./thinned-window.js";
import type { Timeline } from "./timeline.js";
import { buildTimeline, checkBucketSeconds } from "./timeline.js";
import type { StreamRegistry } from "../ports/stream-registry/index.js";
import type { PaginationTokens } from "./pagination-token.js";
import { dependency } from "../core/dependency.js";
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, MAX_REPLAY_RATE, MAX_WINDOW_MS, MAX_START_MS, SETTLE_MS } from "./defaults.js";

/** A request for one page of a window. */
export interface WindowRequest {
  readonly streamId: string;
  readonly startMs: number;
  readonly durationMs: number;
  /** 0 or undefined means the default. */
  readonly limit?: number;
  readonly paginationToken?: string;
  /** At most this many comments per second of video, an evenly spread sample; all when unset. */
  readonly maxRate?: number;
}

/** One page, and the token for the next when there is more. */
export interface WindowPage extends Finality {
  readonly comments: Comment[];
  readonly nextPaginationToken: string | null;
}

/** Whether an answer can still change, and the revision of the stream it reflects. */
export interface Finality {
  /**
   * The answer can change no more until the stream's next revision: the stream ended and the
   * archive holds everything, every deletion so far applied.
   */
  readonly final: boolean;
  /** The stream's revision the answer reflects (0: never revised). */
  readonly revision: number;
}

/** A stream's timeline, and whether it can still change. */
export type TimelineAnswer = Timeline & Finality;

/** A stream with the number of comments its archive holds. */
export interface StreamSummary {
  readonly stream: Stream;
  readonly commentCount: number;
}

/** How long a stream's comment count is reused before it is counted again. */
const COUNT_CACHE_MS = 2_000;
const COUNT_CACHE_SIZE = 10_000;

/** Told how playback goes, for metrics. */
export interface PlaybackObserver {
  /** A window page was read, in this many seconds. */
  windowServed?(seconds: number): void;
  /** A comment count was asked for and found in the cache, or not. */
  countLookup?(hit: boolean): void;
}

/** Serves replay windows: the comments whose offsetMs falls in [start, start + duration). */
export class Playback {
  private readonly counts = new Map<string, { count: number; at: number }>();

  /**
   * `completeThrough` tells up to when the archive is known to hold every accepted comment
   * (the archive writer's status), which decides whether a page is final.
   */
  constructor(
    private readonly archive: ArchiveStore,
    private readonly streams: StreamRegistry,
    private readonly tokens: PaginationTokens,
    private readonly completeThrough: () => number | undefined = () => undefined,
    private readonly settleMs = SETTLE_MS,
    private readonly observer: PlaybackObserver = {},
  ) {}

  /** A stream's metadata and comment count (counted at most every two seconds). */
  async summary(streamId: string): Promise<StreamSummary> {
    const stream = await this.knownStream(streamId);
    const now = Date.now();
    const cached = this.counts.get(streamId);
    const hit = cached !== undefined && now - cached.at < COUNT_CACHE_MS;
    this.observer.countLookup?.(hit);
    if (hit) return { stream, commentCount: cached.count };
    const complete = this.completeThrough();
    // Offsets before this can receive no more comments: the archive had everything accepted
    // by `complete`, and anything accepted later lands at a later offset.
    const completeBeforeMs = complete === undefined ? 0 : complete - stream.startedAt - this.settleMs;
    const count = await dependency("archive store", this.archive.count(streamId, completeBeforeMs));
    if (!this.counts.delete(streamId)) makeRoom(this.counts, COUNT_CACHE_SIZE, (entry) => now - entry.at >= COUNT_CACHE_MS);
    this.counts.set(streamId, { count, at: now });
    return { stream, commentCount: count };
  }

  async window(request: WindowRequest): Promise<WindowPage> {
    const started = performance.now();
    const page = await this.readWindow(request);
    this.observer.windowServed?.((performance.now() - started) / 1000);
    return page;
  }

  private async readWindow(request: WindowRequest): Promise<WindowPage> {
    const { streamId, startMs, durationMs } = request;
    if (!Number.isSafeInteger(startMs) || startMs < 0 || startMs > MAX_START_MS) {
      throw new LcError("invalid_argument", "start_time must be a non-negative number of seconds, at most a week");
    }
    if (!Number.isSafeInteger(durationMs) || durationMs <= 0 || durationMs > MAX_WINDOW_MS) {
      throw new LcError("invalid_argument", `duration must be more than 0 and at most ${MAX_WINDOW_MS / 1000} seconds`);
    }
    const limit = request.limit || DEFAULT_PAGE_LIMIT;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
      throw new LcError("invalid_argument", `limit must be an integer from 1 to ${MAX_PAGE_LIMIT}`);
    }
    const { maxRate } = request;
    if (maxRate !== undefined && (!Number.isSafeInteger(maxRate) || maxRate < 1 || maxRate > MAX_REPLAY_RATE)) {
      throw new LcError("invalid_argument", `max_rate must be an integer from 1 to ${MAX_REPLAY_RATE}`);
    }
    const { final, revision } = this.finality(await this.knownStream(streamId));
    const window = { streamId, fromMs: startMs, toMs: startMs + durationMs };
    const after = request.paginationToken ? this.tokens.decode(request.paginationToken, window) : undefined;
    const tokenAt = (cursor: WindowCursor | null) => (cursor ? this.tokens.encode({ ...window, ...cursor }) : null);
    if (maxRate !== undefined) {
      const page = await dependency("archive store", readThinnedPage(this.archive, window, after, limit, maxRate));
      return { comments: page.comments, nextPaginationToken: tokenAt(page.next), final, revision };
    }
    const rows = await dependency("archive store", this.archive.window({ ...window, limit: limit + 1, ...(after ? { after } : {}) }));
    if (rows.length <= limit) return { comments: rows, nextPaginationToken: null, final, revision };
    const comments = rows.slice(0, limit);
    const last = comments[comments.length - 1]!;
    return { comments, nextPaginationToken: tokenAt({ offsetMs: last.offsetMs, seq: last.seq }), final, revision };
  }

  /**
   * A stream's comment counts per bucket of video time (`bucketS` wide, or a width giving about
   * 500 buckets when unset) and its peaks, from the archive's per-second counts.
   */
  async timeline(streamId: string, bucketS?: number): Promise<TimelineAnswer> {
    const width = bucketS === undefined ? undefined : checkBucketSeconds(bucketS);
    const stream = await this.knownStream(streamId);
    const lengthS = Math.max(0, Math.ceil(((stream.endedAt ?? Date.now()) - stream.startedAt) / 1000));
    const seconds = await dependency("archive store", this.archive.secondCounts(streamId));
    return { ...buildTimeline(seconds, lengthS, width), ...this.finality(stream) };
  }

  private finality(stream: Stream): Finality {
    const complete = this.completeThrough();
    const revision = stream.revision ?? 0;
    // A deletion changes answers: they are final again once the archive has surely applied it.
    const final = stream.endedAt !== undefined && complete !== undefined && complete > Math.max(stream.endedAt, revision) + this.settleMs;
    return { final, revision };
  }

  private async knownStream(streamId: string): Promise<Stream> {
    const stream = await dependency("stream registry", this.streams.get(streamId));
    if (!stream) throw new LcError("stream_not_found", `stream ${streamId} does not exist`);
    return stream;
  }
}
