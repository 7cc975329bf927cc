import type { Observable, SchedulerLike } from "rxjs";
import { EMPTY, asyncScheduler, defer, finalize, retry, share, take, tap, timeout, timer } from "rxjs";
import type { Logger } from "../core/logger.js";
import { silentLogger } from "../core/logger.js";
import type { FanoutSource, RelayEvent } from "../ports/fanout/index.js";
import type { Frame } from "./comment-frames.js";
import { DEFAULT_MAX_BATCH, toFrames } from "./comment-frames.js";

/** How long an upstream subscription outlives its last viewer, to absorb reconnect storms. */
export const DEFAULT_LINGER_MS = 5_000;
/**
 * Longest wait for a new upstream to go live before a viewer is answered anyway (a source that
 * knows no position for the stream announces nothing).
 */
export const DEFAULT_LIVE_WAIT_MS = 2_000;
/** Longest pause between attempts to re-subscribe a broken upstream. */
export const MAX_RESUBSCRIBE_DELAY_MS = 5_000;

/** Options of {@link StreamFeeds}. */
export interface StreamFeedsOptions {
  readonly lingerMs?: number;
  readonly maxBatch?: number;
  readonly liveWaitMs?: number;
  /** Told of each frame serialised (once per feed, whatever its number of viewers). */
  readonly onFrame?: (frame: Frame) => void;
  readonly scheduler?: SchedulerLike;
  readonly logger?: Logger;
}

/**
 * The edge's shared feeds. Per stream there is ONE upstream subscription, opened by the first
 * viewer and closed `lingerMs` after the last leaves; when it breaks it is re-subscribed from
 * the last seq seen, so viewers see no gap. Per stream and batch window there is one frame
 * feed, so each batch is serialised once for every viewer of that stream.
 */
export class StreamFeeds {
  private readonly upstreams = new Map<string, Observable<RelayEvent>>();
  private readonly feeds = new Map<string, Observable<Frame>>();
  /** Streams whose upstream has had its first event: live at the source. */
  private readonly live = new Set<string>();
  private readonly liveWaitMs: number;
  private readonly onFrame: ((frame: Frame) => void) | undefined;
  private readonly lingerMs: number;
  private readonly maxBatch: number;
  private readonly scheduler: SchedulerLike;
  private readonly logger: Logger;

  constructor(
    private readonly fanout: FanoutSource,
    options: StreamFeedsOptions = {},
  ) {
    this.lingerMs = options.lingerMs ?? DEFAULT_LINGER_MS;
    this.maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
    this.liveWaitMs = options.liveWaitMs ?? DEFAULT_LIVE_WAIT_MS;
    this.onFrame = options.onFrame;
    this.scheduler = options.scheduler ?? asyncScheduler;
    this.logger = options.logger ?? silentLogger;
  }

  /** Number of streams with an open upstream subscription. */
  get upstreamCount(): number {
    return this.upstreams.size;
  }

  /**
   * The live frames of a stream for a batch window and rate cap, shared by every viewer who
   * asks the same, so each frame is serialised once for all of them.
   */
  frames(streamId: string, batchMs: number, maxRate?: number): Observable<Frame> {
    const key = `${batchMs}:${maxRate ?? "all"}:${streamId}`;
    let feed = this.feeds.get(key);
    if (!feed) {
      feed = this.upstream(streamId).pipe(
        toFrames(batchMs, { maxBatch: this.maxBatch, scheduler: this.scheduler, ...(maxRate === undefined ? {} : { maxRate }) }),
        tap((frame) => this.onFrame?.(frame)),
        finalize(() => this.feeds.delete(key)),
        share({ resetOnRefCountZero: true }),
      );
      this.feeds.set(key, feed);
    }
    return feed;
  }

  /**
   * Resolves once the stream's upstream is live at the source, so that a viewer answered after
   * it misses no comment accepted after its answer: at once for a source that is live on
   * subscribe, else at the upstream's first event, or after `liveWaitMs` at most. The upstream
   * outlives this wait by its linger, long enough for the viewer to join it.
   */
  whenLive(streamId: string): Promise<void> {
    if (!this.fanout.announcesLive || this.live.has(streamId)) return Promise.resolve();
    return new Promise((resolve) => {
      let live = false;
      this.upstream(streamId)
        .pipe(take(1), timeout({ first: this.liveWaitMs, with: () => EMPTY, scheduler: this.scheduler }))
        .subscribe({
          next: (event) => {
            live = true;
            if (this.logger.debugging) this.logger.debug("upstream live", { streamId, kind: event.kind });
          },
          complete: () => {
            if (!live) this.logger.warn("a stream's upstream did not go live in time; answering the viewer anyway", { streamId, waitedMs: this.liveWaitMs });
            resolve();
          },
        });
    });
  }

  private upstream(streamId: string): Observable<RelayEvent> {
    let upstream = this.upstreams.get(streamId);
    if (!upstream) {
      let lastSeq: number | undefined;
      upstream = defer(() => {
        if (this.logger.debugging) this.logger.debug("upstream subscribing", { streamId, lastSeq });
        return this.fanout.subscribe(streamId, lastSeq);
      }).pipe(
        tap((event) => {
          this.live.add(streamId);
          if (event.kind === "comment") {
            lastSeq = event.comment.seq;
            if (this.logger.debugging)
              this.logger.debug("comment received", { requestId: event.comment.requestId, commentId: event.comment.commentId, streamId, seq: lastSeq });
          }
          // Where a subscription without a cursor started: a re-subscription resumes there.
          else if (event.kind === "position" && lastSeq === undefined) lastSeq = event.afterSeq;
        }),
        retry({
          delay: (error: unknown, attempt: number) => {
            this.logger.warn("edge upstream broke; re-subscribing", { streamId, lastSeq, attempt, err: error });
            return timer(Math.min(MAX_RESUBSCRIBE_DELAY_MS, 100 * 2 ** Math.min(attempt, 6)), this.scheduler);
          },
          resetOnSuccess: true,
        }),
        finalize(() => {
          this.upstreams.delete(streamId);
          this.live.delete(streamId);
        }),
        share({ resetOnRefCountZero: () => timer(this.lingerMs, this.scheduler) }),
      );
      this.upstreams.set(streamId, upstream);
    }
    return upstream;
  }
}
