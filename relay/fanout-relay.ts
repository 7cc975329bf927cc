import type { Comment } from "../core/comment.js";
import type { Logger } from "../core/logger.js";
import { silentLogger } from "../core/logger.js";
import type { StreamHistory } from "../ports/comment-log/index.js";
import type { RelayEvent } from "../ports/fanout/index.js";
import { CommentRing } from "./comment-ring.js";

/** Defaults of {@link FanoutRelayOptions}. */
export const DEFAULT_RING_MAX_COUNT = 2_000;
export const DEFAULT_RING_MAX_BYTES = 1024 * 1024;
export const DEFAULT_MAX_RINGS = 10_000;
export const DEFAULT_MAX_REPLAY = 10_000;
const HISTORY_PAGE = 1_000;

/** Limits and engines of a {@link FanoutRelay}. */
export interface FanoutRelayOptions {
  /** Reads older comments back from the log when a cursor predates the ring. */
  readonly history?: StreamHistory;
  /** Comments kept per stream. */
  readonly ringMaxCount?: number;
  /** Bytes kept per stream (approximate). */
  readonly ringMaxBytes?: number;
  /** Streams with a ring; past it the stream that went longest without a comment loses its ring. */
  readonly maxRings?: number;
  /** Most comments replayed to one subscriber from history before it is told to reset. */
  readonly maxReplay?: number;
  readonly logger?: Logger;
}

/** Receives a subscription's events, synchronously and in order. */
export type RelayListener = (event: RelayEvent) => void;

/**
 * Holds the recent comments of every stream and hands them to subscribers: a replay from a
 * cursor, then live comments, with no gap and no duplicate at the seam. Live comments that
 * arrive while a replay is read from history wait in a bounded queue.
 */
export class FanoutRelay {
  private readonly rings = new Map<string, CommentRing>();
  private readonly listeners = new Map<string, Set<RelayListener>>();
  private readonly ringMaxCount: number;
  private readonly ringMaxBytes: number;
  private readonly maxRings: number;
  private readonly maxReplay: number;
  private readonly logger: Logger;

  constructor(private readonly options: FanoutRelayOptions = {}) {
    this.ringMaxCount = options.ringMaxCount ?? DEFAULT_RING_MAX_COUNT;
    this.ringMaxBytes = options.ringMaxBytes ?? DEFAULT_RING_MAX_BYTES;
    this.maxRings = options.maxRings ?? DEFAULT_MAX_RINGS;
    this.maxReplay = options.maxReplay ?? DEFAULT_MAX_REPLAY;
    this.logger = options.logger ?? silentLogger;
  }

  /** Number of streams with a ring. */
  get ringCount(): number {
    return this.rings.size;
  }

  /** Takes a batch from the log, in log order, and hands each new comment to its listeners. */
  publish(batch: readonly Comment[]): void {
    for (const comment of batch) {
      let ring = this.rings.get(comment.streamId);
      if (ring) {
        this.rings.delete(comment.streamId); // re-insert: the Map stays least recently active first
      } else {
        ring = new CommentRing(this.ringMaxCount, this.ringMaxBytes);
        if (this.rings.size >= this.maxRings) this.rings.delete(this.rings.keys().next().value!);
      }
      this.rings.set(comment.streamId, ring);
      if (!ring.push(comment)) continue; // a redelivered comment
      const listeners = this.listeners.get(comment.streamId);
      if (!listeners) continue;
      const event: RelayEvent = { kind: "comment", comment };
      for (const listener of listeners) listener(event);
    }
  }

  /**
   * Subscribes to a stream. With `afterSeq`, the comments after it come first: from the ring
   * when it covers them, else from history, else a reset. Returns the unsubscribe function.
   */
  subscribe(streamId: string, afterSeq: number | undefined, listener: RelayListener): () => void {
    const ring = this.rings.get(streamId);
    const fromRing = afterSeq === undefined ? [] : ring?.after(afterSeq);
    if (fromRing) {
      for (const comment of fromRing) listener({ kind: "comment", comment });
      return this.addListener(streamId, listener);
    }
    return this.replayThenLive(streamId, afterSeq!, listener);
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
    const oldestAvailable = this.rings.get(streamId)?.oldestSeq ?? 0;
    if (!history) {
      listener({ kind: "reset", oldestAvailableSeq: oldestAvailable });
      return this.addListener(streamId, listener);
    }
    // Live comments wait here until the history read has caught up with them.
    let waiting: Comment[] | undefined = [];
    let overflowed = false;
    let active = true;
    const remove = this.addListener(streamId, (event) => {
      if (!waiting) return listener(event);
      if (event.kind !== "comment") return;
      if (waiting.length < this.maxReplay) waiting.push(event.comment);
      else overflowed = true;
    });
    const goLive = (lastSent: number) => {
      const queued = waiting ?? [];
      waiting = undefined;
      for (const comment of queued) if (comment.seq > lastSent) listener({ kind: "comment", comment });
    };
    void (async () => {
      let lastSent = afterSeq;
      let replayed = 0;
      try {
        while (active) {
          const page = await history.readAfter(streamId, lastSent, HISTORY_PAGE);
          if (!active) return;
          if (replayed + page.length > this.maxReplay || overflowed) {
            listener({ kind: "reset", oldestAvailableSeq: this.rings.get(streamId)?.oldestSeq ?? 0 });
            lastSent = Number.MIN_SAFE_INTEGER; // after a reset every queued live comment is new to the subscriber
            break;
          }
          for (const comment of page) listener({ kind: "comment", comment });
          replayed += page.length;
          if (page.length > 0) lastSent = page[page.length - 1]!.seq;
          // Done once history has nothing more, or reaches what the live queue already holds.
          if (page.length < HISTORY_PAGE || (waiting && waiting.length > 0 && lastSent >= waiting[0]!.seq)) break;
        }
      } catch (error) {
        this.logger.warn("relay history read failed; telling the subscriber to reset", { streamId, err: error });
        if (!active) return;
        listener({ kind: "reset", oldestAvailableSeq: this.rings.get(streamId)?.oldestSeq ?? 0 });
        lastSent = Number.MIN_SAFE_INTEGER;
      }
      if (active) goLive(lastSent);
    })();
    return () => {
      active = false;
      remove();
    };
  }
}
