import type { SchedulerLike } from "rxjs";
import { EMPTY, Observable, asyncScheduler, defer, filter, finalize, first, map, retry, share, tap, timeout, timer } from "rxjs";
import type { Comment } from "../core/comment.js";
import type { LogEvent, ReviewChange } from "../core/log-event.js";
import { MAX_DELAY_S } from "../core/stream.js";
import { delayedEvents } from "./delayed-events.js";
import { eventTime, isReviewEvent } from "../core/log-event.js";
import { RecentIds } from "../client/shared/recent-ids.js";
import type { Logger } from "../core/logger.js";
import { silentLogger } from "../core/logger.js";
import type { FanoutSource, RelayEvent } from "../ports/fanout/index.js";
import type { Frame } from "./comment-frames.js";
import { DEFAULT_MAX_BATCH, toFrames } from "./comment-frames.js";
import { MAX_HISTORY, RECENT_IDS_PER_STREAM } from "./defaults.js";

/** What a new viewer of a stream is told before live frames: as the edge's upstream knows it. */
export interface StreamStart {
  /** The most recent comments, oldest first, none deleted. */
  readonly comments: readonly Comment[];
  /** The pinned comment (null: none), or undefined when no pin passed since the upstream opened. */
  readonly pinned: Comment | null | undefined;
  /** When the stream ended, if its end passed. */
  readonly endedAt: number | undefined;
  /** The last seq the upstream delivered: live frames through it are already told. */
  readonly throughSeq: number;
}

/**
 * How long an edge keeps a stream's events for delayed viewers: the longest delay, and a margin
 * for clocks; and at most how many.
 */
const DELAY_BACKLOG_MS = MAX_DELAY_S * 1000 + 5_000;
const MAX_DELAY_BACKLOG = 50_000;

/** What an edge keeps of each stream with an upstream. */
class StreamState {
  recent: Comment[] = [];
  /** The viewer-visible events of the last {@link DELAY_BACKLOG_MS}, for feeds that delay them. */
  readonly backlog: LogEvent[] = [];
  readonly ids = new RecentIds(RECENT_IDS_PER_STREAM);
  pinned: Comment | null | undefined;
  endedAt: number | undefined;
  throughSeq = Number.MIN_SAFE_INTEGER;
  hasHistory = false;

  /** Takes an upstream event in; false for a second copy of a comment, which goes no further. */
  admit(event: RelayEvent): boolean {
    switch (event.kind) {
      case "history":
        // A fresh snapshot (a second one after a quick re-subscription replaces the first).
        this.hasHistory = true;
        this.recent = [];
        for (const comment of event.comments) {
          // A second copy of a comment in the log's history is shown once.
          if (this.recent.some((c) => c.commentId === comment.commentId)) continue;
          this.ids.add(comment.commentId);
          this.recent.push(comment);
        }
        this.throughSeq = Math.max(this.throughSeq, event.comments.at(-1)?.seq ?? Number.MIN_SAFE_INTEGER);
        return true;
      case "comment":
        if (!this.ids.add(event.comment.commentId)) return false;
        this.recent.push(event.comment);
        if (this.recent.length > MAX_HISTORY * 2) this.recent = this.recent.slice(-MAX_HISTORY);
        break;
      case "deletion":
        this.recent = this.recent.filter((c) => c.commentId !== event.commentId);
        if (this.pinned?.commentId === event.commentId) this.pinned = null;
        break;
      case "pin":
        this.pinned = event.comment;
        break;
      case "stream_end":
        this.endedAt ??= event.endedAt;
        break;
      case "slow_mode":
        break;
      default:
        return true;
    }
    this.throughSeq = Math.max(this.throughSeq, event.seq);
    this.keep(event);
    return true;
  }

  private keep(event: LogEvent): void {
    const { backlog } = this;
    backlog.push(event);
    const oldest = eventTime(event) - DELAY_BACKLOG_MS;
    let drop = 0;
    while (drop < backlog.length && (backlog.length - drop > MAX_DELAY_BACKLOG || eventTime(backlog[drop]!) < oldest)) drop++;
    if (drop > 0) backlog.splice(0, drop);
  }

  /**
   * Where a feed delayed by `delayMs` stands at `now`: the last seq it has released (every event
   * up to the first that has not waited long enough, in log order), and the events after it.
   */
  delayedSplit(delayMs: number, now: number): { throughSeq: number; waiting: readonly LogEvent[] } {
    const first = this.backlog.findIndex((event) => eventTime(event) + delayMs > now);
    if (first < 0) return { throughSeq: this.throughSeq, waiting: [] };
    return { throughSeq: first > 0 ? this.backlog[first - 1]!.seq : this.backlog[0]!.seq - 1, waiting: this.backlog.slice(first) };
  }
}

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
  private readonly states = new Map<string, StreamState>();
  private readonly feeds = new Map<string, Observable<Frame>>();
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
  frames(streamId: string, batchMs: number, maxRate?: number, delayMs = 0): Observable<Frame> {
    const key = `${batchMs}:${maxRate ?? "all"}:${delayMs}:${streamId}`;
    let feed = this.feeds.get(key);
    if (!feed) {
      feed = (delayMs > 0 ? this.delayedUpstream(streamId, delayMs) : this.upstream(streamId)).pipe(
        toFrames(batchMs, { maxBatch: this.maxBatch, scheduler: this.scheduler, ...(maxRate === undefined ? {} : { maxRate }) }),
        tap((frame) => this.onFrame?.(frame)),
        finalize(() => this.feeds.delete(key)),
        share({ resetOnRefCountZero: true }),
      );
      this.feeds.set(key, feed);
    }
    return feed;
  }

  /** The stream's review steps (held comments and their resolutions), for its moderators; shared with its viewers' upstream. */
  reviewEvents(streamId: string): Observable<ReviewChange & { readonly seq: number }> {
    return this.upstream(streamId).pipe(filter(isReviewEvent));
  }

  /**
   * Resolves once the stream's upstream is live at the source and has brought the stream's
   * recent comments, so that a viewer answered after it gets them and misses no comment accepted
   * after its answer: at the upstream's history, or after `liveWaitMs` at most. The upstream
   * outlives this wait by its linger, long enough for the viewer to join it.
   */
  whenLive(streamId: string): Promise<void> {
    if (this.states.get(streamId)?.hasHistory) return Promise.resolve();
    return new Promise((resolve) => {
      let live = false;
      this.upstream(streamId)
        .pipe(
          first((event) => event.kind === "history"),
          timeout({ first: this.liveWaitMs, with: () => EMPTY, scheduler: this.scheduler }),
        )
        .subscribe({
          next: () => {
            live = true;
            if (this.logger.debugging) this.logger.debug("upstream live", { streamId });
          },
          error: () => resolve(), // the upstream re-subscribes by itself; the viewer is answered
          complete: () => {
            if (!live) this.logger.warn("a stream's upstream did not go live in time; answering the viewer anyway", { streamId, waitedMs: this.liveWaitMs });
            resolve();
          },
        });
    });
  }

  /**
   * What a viewer joining the stream's live frames now is told first: up to `history` recent
   * comments, the pin and the end as far as the upstream knows them, and the seq through which
   * the live frames are covered. Call it in the same turn as joining the frames.
   */
  start(streamId: string, history: number, delayMs = 0): StreamStart {
    const state = this.states.get(streamId);
    if (!state) return { comments: [], pinned: undefined, endedAt: undefined, throughSeq: Number.MIN_SAFE_INTEGER };
    const throughSeq = delayMs > 0 ? state.delayedSplit(delayMs, this.scheduler.now()).throughSeq : state.throughSeq;
    const released = delayMs > 0 ? state.recent.filter((comment) => comment.seq <= throughSeq) : state.recent;
    return { comments: history > 0 ? released.slice(-history) : [], pinned: state.pinned, endedAt: state.endedAt, throughSeq };
  }

  /** The comments of one user as they arrive, undelayed: an author sees its own at once. */
  commentsOf(streamId: string, userId: string): Observable<Comment> {
    return this.upstream(streamId).pipe(
      filter((event): event is RelayEvent & { kind: "comment" } => event.kind === "comment" && event.comment.userId === userId),
      map((event) => event.comment),
    );
  }

  /**
   * The upstream as a feed delayed by `delayMs` sees it: the events that have not waited long
   * enough yet (so a feed opened now misses none), then the live ones, each released its delay
   * after it happened.
   */
  private delayedUpstream(streamId: string, delayMs: number): Observable<RelayEvent> {
    const upstream = this.upstream(streamId);
    return new Observable<RelayEvent>((subscriber) => {
      const waiting = this.states.get(streamId)?.delayedSplit(delayMs, this.scheduler.now()).waiting ?? [];
      for (const event of waiting) subscriber.next(event);
      return upstream.subscribe(subscriber);
    }).pipe(delayedEvents(delayMs, this.scheduler));
  }

  private upstream(streamId: string): Observable<RelayEvent> {
    let upstream = this.upstreams.get(streamId);
    if (!upstream) {
      let lastSeq: number | undefined;
      const state = new StreamState();
      this.states.set(streamId, state);
      upstream = defer(() => {
        if (this.logger.debugging) this.logger.debug("upstream subscribing", { streamId, lastSeq });
        // The first subscription brings the recent comments every new viewer starts with.
        return this.fanout.subscribe(streamId, lastSeq, lastSeq === undefined ? MAX_HISTORY : 0);
      }).pipe(
        filter((event) => state.admit(event)),
        tap((event) => {
          if ("seq" in event) lastSeq = event.seq;
          if (event.kind === "comment") {
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
          if (this.states.get(streamId) === state) this.states.delete(streamId);
        }),
        share({ resetOnRefCountZero: () => timer(this.lingerMs, this.scheduler) }),
      );
      this.upstreams.set(streamId, upstream);
    }
    return upstream;
  }
}
