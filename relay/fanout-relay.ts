import type { Clock } from "../core/clock.js";
import { systemClock } from "../core/clock.js";
import type { Comment } from "../core/comment.js";
import type { LogEvent } from "../core/log-event.js";
import { MAX_RECENT_COMMENTS } from "../core/log-event.js";
import type { Logger } from "../core/logger.js";
import { silentLogger } from "../core/logger.js";
import type { StreamHistory } from "../ports/comment-log/index.js";
import type { RelayEvent } from "../ports/fanout/index.js";
import { StreamEventRing } from "./event-ring.js";
import { RecentIds } from "../client/shared/recent-ids.js";
import {
  DEFAULT_RING_MAX_COUNT,
  DEFAULT_RING_MAX_BYTES,
  DEFAULT_RINGS_MAX_BYTES,
  DEFAULT_RING_IDLE_MS,
  DEFAULT_MAX_RINGS,
  DEFAULT_MAX_REPLAY,
} from "./defaults.js";

const HISTORY_PAGE = 1_000;

/** Limits and engines of a {@link FanoutRelay}. */
export interface FanoutRelayOptions {
  /** Reads older comments back from the log when a cursor predates the ring. */
  readonly history?: StreamHistory;
  /** Comments kept per stream. */
  readonly ringMaxCount?: number;
  /** Bytes kept per stream (approximate). */
  readonly ringMaxBytes?: number;
  /** Ceiling on the bytes of all rings together; past it the least recently active rings go. */
  readonly ringsMaxBytes?: number;
  /** A ring whose stream had no comment for this long is dropped by {@link FanoutRelay.sweep}. */
  readonly ringIdleMs?: number;
  /** Streams with a ring; past it the least recently active stream loses its ring. */
  readonly maxRings?: number;
  /** Most comments replayed to one subscriber from history before it is told to reset. */
  readonly maxReplay?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

/** Receives a subscription's events, synchronously and in order. */
export type RelayListener = (event: RelayEvent) => void;

interface StreamRing {
  readonly ring: StreamEventRing;
  lastActivity: number;
}

/**
 * Holds the recent events of every stream and hands them to subscribers: a replay from a
 * cursor, or the stream's most recent comments, then live events, with no gap and no duplicate
 * at the seam. Live events that arrive while a replay is read from history wait in a bounded
 * queue. Memory is bounded per ring (count, bytes), for all rings together (bytes, count), and
 * over time (idle rings).
 */
export class FanoutRelay {
  /** Least recently active first: a ring is re-inserted on every comment. */
  private readonly rings = new Map<string, StreamRing>();
  private readonly listeners = new Map<string, Set<RelayListener>>();
  private totalBytes = 0;
  /** Streams whose ring was dropped, with the newest seq it held: cursors before it missed comments. */
  private readonly evicted = new Map<string, number>();
  private coverage: (streamId: string) => number | undefined = () => undefined;
  private readonly ringMaxCount: number;
  private readonly ringMaxBytes: number;
  private readonly ringsMaxBytes: number;
  private readonly ringIdleMs: number;
  private readonly maxRings: number;
  private readonly maxReplay: number;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(private readonly options: FanoutRelayOptions = {}) {
    this.ringMaxCount = options.ringMaxCount ?? DEFAULT_RING_MAX_COUNT;
    this.ringMaxBytes = options.ringMaxBytes ?? DEFAULT_RING_MAX_BYTES;
    this.ringsMaxBytes = options.ringsMaxBytes ?? DEFAULT_RINGS_MAX_BYTES;
    this.ringIdleMs = options.ringIdleMs ?? DEFAULT_RING_IDLE_MS;
    this.maxRings = options.maxRings ?? DEFAULT_MAX_RINGS;
    this.maxReplay = options.maxReplay ?? DEFAULT_MAX_REPLAY;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
  }

  /** Number of streams with a ring. */
  get ringCount(): number {
    return this.rings.size;
  }

  /** Approximate bytes held by all rings. */
  get ringBytes(): number {
    return this.totalBytes;
  }

  /** Number of live subscriptions of one stream. */
  subscribersOf(streamId: string): number {
    return this.listeners.get(streamId)?.size ?? 0;
  }

  /** Number of live subscriptions, all streams together. */
  get subscriberCount(): number {
    let count = 0;
    for (const set of this.listeners.values()) count += set.size;
    return count;
  }

  /**
   * Tells the relay from which seq on it sees every comment of a stream (its log consumer's
   * start), so that a cursor it merely has nothing after is not mistaken for a gap.
   */
  setCoverage(coversAfter: (streamId: string) => number | undefined): void {
    this.coverage = coversAfter;
  }

  /** Takes a batch from the log, in log order, and hands each new event to its listeners. */
  publish(batch: readonly LogEvent[]): void {
    const now = this.clock.now();
    for (const event of batch) {
      const entry = this.touch(event.streamId, now);
      const before = entry.ring.bytes;
      const added = entry.ring.push(event);
      this.totalBytes += entry.ring.bytes - before;
      if (!added) continue; // redelivered, or a second copy of a comment
      const listeners = this.listeners.get(event.streamId);
      if (listeners) for (const listener of listeners) listener(event);
    }
    while (this.totalBytes > this.ringsMaxBytes && this.rings.size > 1) this.dropOldestRing();
  }

  /** Drops the rings of streams idle for longer than the idle limit; call it periodically. */
  sweep(): void {
    const cutoff = this.clock.now() - this.ringIdleMs;
    for (const [streamId, entry] of this.rings) {
      if (entry.lastActivity > cutoff) break; // the rest are more recent
      this.dropRing(streamId, entry);
    }
  }

  /**
   * Subscribes to a stream. With `afterSeq`, the events after it come first: from the ring
   * when it covers them, else from history, else a reset. Without it, `history` asks for the
   * stream's most recent comments first (at most {@link MAX_RECENT_COMMENTS}). Returns the unsubscribe
   * function.
   */
  subscribe(streamId: string, afterSeq: number | undefined, listener: RelayListener, history = 0): () => void {
    if (afterSeq === undefined) {
      if (history > 0) return this.recentThenLive(streamId, Math.min(history, MAX_RECENT_COMMENTS), listener);
      this.announcePosition(streamId, listener);
      return this.addListener(streamId, listener);
    }
    const ring = this.rings.get(streamId)?.ring;
    const fromRing = ring?.after(afterSeq) ?? (this.seesEverythingAfter(streamId, afterSeq) ? (ring?.newerThan(afterSeq) ?? []) : undefined);
    if (fromRing) {
      for (const event of fromRing) listener(event);
      // A cursor the relay has not reached yet (it lags the log a little): skip up to it.
      return this.addListener(streamId, (event) => {
        if (!("seq" in event) || event.seq > afterSeq) listener(event);
      });
    }
    return this.replayThenLive(streamId, afterSeq, listener);
  }

  private announcePosition(streamId: string, listener: RelayListener): void {
    const position = this.positionOf(streamId);
    if (position !== undefined) listener({ kind: "position", afterSeq: position });
  }

  /**
   * The stream's most recent comments, then its position, then live events: from the ring when
   * it holds enough, else read from the log's history while live events wait.
   */
  private recentThenLive(streamId: string, count: number, listener: RelayListener): () => void {
    const fromRing = this.rings.get(streamId)?.ring.recentComments(count) ?? [];
    const history = this.options.history;
    if (fromRing.length >= count || !history) {
      listener({ kind: "history", comments: fromRing });
      this.announcePosition(streamId, listener);
      return this.addListener(streamId, listener);
    }
    let throughHistory = Number.MIN_SAFE_INTEGER;
    // The log may hold comments the relay has not read yet: they come in history, not again live.
    const live: RelayListener = (event) => {
      if (event.kind !== "comment" || event.seq > throughHistory) listener(event);
    };
    const hold = this.holdLive(streamId, live);
    void (async () => {
      let comments: Comment[];
      try {
        comments = await history.readRecent(streamId, count);
      } catch (error) {
        this.logger.warn("relay history read failed; sending the recent comments the ring holds", { streamId, err: error });
        comments = fromRing;
      }
      if (!hold.active) return;
      throughHistory = comments.at(-1)?.seq ?? Number.MIN_SAFE_INTEGER;
      listener({ kind: "history", comments });
      this.announcePosition(streamId, listener);
      const overflowed = hold.overflowed;
      const queued = hold.release();
      if (overflowed) listener({ kind: "reset", afterSeq: queued.at(-1)?.seq ?? throughHistory, oldestAvailableSeq: this.oldestAvailable(streamId) });
      for (const event of queued) live(event);
    })();
    return () => hold.unsubscribe();
  }

  /**
   * Subscribes `deliver` to the stream's live events but holds them back, in a queue bounded by
   * `maxReplay`, while something is read for the subscriber first; `release` hands back what
   * waited (the caller delivers it) and lets live events through from then on.
   */
  private holdLive(streamId: string, deliver: RelayListener) {
    let waiting: LogEvent[] | undefined = [];
    let overflowed = false;
    let active = true;
    const remove = this.addListener(streamId, (event) => {
      if (!waiting) return deliver(event);
      if (!("seq" in event)) return;
      if (waiting.length < this.maxReplay) waiting.push(event);
      else overflowed = true;
    });
    return {
      /** False once the subscriber left. */
      get active() {
        return active;
      },
      /** Whether live events were dropped because the queue was full. */
      get overflowed() {
        return overflowed;
      },
      /** The seq of the oldest live event waiting, if any. */
      firstWaitingSeq: (): number | undefined => waiting?.[0]?.seq,
      release(): LogEvent[] {
        const queued = waiting ?? [];
        waiting = undefined;
        return queued;
      },
      unsubscribe() {
        active = false;
        remove();
      },
    };
  }

  /** The seq after which the relay sees every comment of the stream from now on, when it knows. */
  private positionOf(streamId: string): number | undefined {
    const newest = this.rings.get(streamId)?.ring.newestSeq;
    const covered = this.coverage(streamId);
    if (newest === undefined) return covered;
    return covered === undefined ? newest : Math.max(newest, covered);
  }

  /** Whether every comment of the stream after `afterSeq` reached this relay and is still held. */
  private seesEverythingAfter(streamId: string, afterSeq: number): boolean {
    const covered = this.coverage(streamId);
    if (covered === undefined || afterSeq < covered) return false;
    const evictedThrough = this.evicted.get(streamId);
    if (evictedThrough !== undefined && afterSeq < evictedThrough) return false;
    const dropped = this.rings.get(streamId)?.ring.droppedThrough;
    return dropped === undefined || afterSeq >= dropped;
  }

  private touch(streamId: string, now: number): StreamRing {
    let entry = this.rings.get(streamId);
    if (entry) {
      this.rings.delete(streamId);
    } else {
      entry = { ring: new StreamEventRing(this.ringMaxCount, this.ringMaxBytes), lastActivity: now };
      if (this.rings.size >= this.maxRings) this.dropOldestRing();
    }
    entry.lastActivity = now;
    this.rings.set(streamId, entry);
    return entry;
  }

  private dropOldestRing(): void {
    const [streamId, entry] = this.rings.entries().next().value!;
    this.dropRing(streamId, entry);
  }

  private dropRing(streamId: string, entry: StreamRing): void {
    this.rings.delete(streamId);
    this.totalBytes -= entry.ring.bytes;
    const newest = entry.ring.newestSeq;
    if (newest !== undefined) {
      this.evicted.delete(streamId);
      this.evicted.set(streamId, newest);
      if (this.evicted.size > this.maxRings) this.evicted.delete(this.evicted.keys().next().value!);
    }
  }

  private oldestAvailable(streamId: string): number {
    return this.rings.get(streamId)?.ring.oldestSeq ?? 0;
  }

  private addListener(streamId: string, listener: RelayListener): () => void {
    let set = this.listeners.get(streamId);
    if (!set) this.listeners.set(streamId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(streamId) === set) this.listeners.delete(streamId);
    };
  }

  private replayThenLive(streamId: string, afterSeq: number, listener: RelayListener): () => void {
    const history = this.options.history;
    if (!history) {
      listener({ kind: "reset", afterSeq, oldestAvailableSeq: this.oldestAvailable(streamId) });
      return this.addListener(streamId, listener);
    }
    // Live events wait here until the history read has caught up with them.
    const hold = this.holdLive(streamId, listener);
    const goLive = (lastSent: number) => {
      for (const event of hold.release()) if (event.seq > lastSent) listener(event);
    };
    const reset = () => {
      listener({ kind: "reset", afterSeq, oldestAvailableSeq: this.oldestAvailable(streamId) });
      return Number.MIN_SAFE_INTEGER; // after a reset every queued live comment is new to the subscriber
    };
    // The log may hold a second copy of a comment: a replay sends it once.
    const replayedIds = new RecentIds(this.maxReplay);
    void (async () => {
      let lastSent = afterSeq;
      let replayed = 0;
      try {
        while (hold.active) {
          const page = await history.readAfter(streamId, lastSent, HISTORY_PAGE);
          if (!hold.active) return;
          if (replayed + page.length > this.maxReplay || hold.overflowed) {
            lastSent = reset();
            break;
          }
          for (const event of page) if (event.kind !== "comment" || replayedIds.add(event.comment.commentId)) listener(event);
          replayed += page.length;
          if (page.length > 0) lastSent = page[page.length - 1]!.seq;
          // Done once history has nothing more, or reaches what the live queue already holds.
          const firstWaiting = hold.firstWaitingSeq();
          if (page.length < HISTORY_PAGE || (firstWaiting !== undefined && lastSent >= firstWaiting)) break;
        }
      } catch (error) {
        this.logger.warn("relay history read failed; telling the subscriber to reset", { streamId, err: error });
        if (!hold.active) return;
        lastSent = reset();
      }
      if (hold.active) goLive(lastSent);
    })();
    return () => hold.unsubscribe();
  }
}
